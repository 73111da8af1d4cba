"""booking approval in two steps: accepted by the receiving company, approved by the park;
the park's freeze period for carriers' changes

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-11-25 19:51:15.731144

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'c9d0e1f2a3b4'
down_revision = 'b8c9d0e1f2a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking_freeze_minutes', sa.Integer(), nullable=False, server_default='120'))
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decision_comment', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_booking_accepted_by_id_user_account'), 'user_account', ['accepted_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.drop_column('booking_freeze_minutes')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_booking_accepted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('decision_comment')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('accepted_by_id')

