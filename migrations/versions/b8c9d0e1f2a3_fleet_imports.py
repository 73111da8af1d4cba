"""fleet imports: a carrier's spreadsheet imported by a background job, all rows or none

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-11-25 19:17:53.123387

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'b8c9d0e1f2a3'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fleet_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=10), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('created_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['carrier_id'], ['carrier.id'], name=op.f('fk_fleet_import_carrier_id_carrier')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_fleet_import_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_import'))
    )
    with op.batch_alter_table('fleet_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fleet_import_carrier_id'), ['carrier_id'], unique=False)



def downgrade():
    with op.batch_alter_table('fleet_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fleet_import_carrier_id'))

    op.drop_table('fleet_import')
