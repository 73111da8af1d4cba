"""notices: expiring documents and flagged bookings, in the app and by e-mail

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-11-25 19:12:12.677678

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = 'f6a7b8c9d0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('template', sa.String(length=200), nullable=True),
    sa.Column('params', sa.JSON(), nullable=True),
    sa.Column('link', sa.String(length=200), nullable=True),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['carrier_id'], ['carrier.id'], name=op.f('fk_notice_carrier_id_carrier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_notice_dedup_key'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_carrier_id'), ['carrier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_created_at'), ['created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_created_at'))
        batch_op.drop_index(batch_op.f('ix_notice_carrier_id'))

    op.drop_table('notice')
