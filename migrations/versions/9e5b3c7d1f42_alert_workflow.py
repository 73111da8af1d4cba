"""alert workflow: status, acknowledge and resolve with comments, translatable message

Revision ID: 9e5b3c7d1f42
Revises: 8d4a6b2c0e17
Create Date: 2026-11-25 16:35:00

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = '9e5b3c7d1f42'
down_revision = '8d4a6b2c0e17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.Enum('open', 'acknowledged', 'resolved', name='alertstatus', native_enum=False, length=12), nullable=False, server_default='open'))
        batch_op.add_column(sa.Column('acknowledge_comment', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', gatekeeper.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_alert_status'), ['status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_alert_resolved_by_id_user_account'), 'user_account', ['resolved_by_id'], ['id'])
    op.execute("UPDATE alert SET status = 'acknowledged' WHERE acknowledged_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_alert_resolved_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_alert_status'))
        batch_op.drop_column('resolution')
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('acknowledge_comment')
        batch_op.drop_column('status')
        batch_op.drop_column('params')
        batch_op.drop_column('template')
