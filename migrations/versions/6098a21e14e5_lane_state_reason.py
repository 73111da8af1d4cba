"""why a lane is closed (or the emergency lane open), since when and by whom: guards open and
close lanes at the kiosk

Revision ID: 6098a21e14e5
Revises: f6a2d0d0cbb9
Create Date: 2026-11-27 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = '6098a21e14e5'
down_revision = 'f6a2d0d0cbb9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lane', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_reason', sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column('state_changed_at', gatekeeper.models.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column('state_changed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_lane_state_changed_by_id_user_account', 'user_account', ['state_changed_by_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('lane', schema=None) as batch_op:
        batch_op.drop_constraint('fk_lane_state_changed_by_id_user_account', type_='foreignkey')
        batch_op.drop_column('state_changed_by_id')
        batch_op.drop_column('state_changed_at')
        batch_op.drop_column('state_reason')
