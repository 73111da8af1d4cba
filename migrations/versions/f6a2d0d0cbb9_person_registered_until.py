"""the last day an employee or contractor works in the park (a leaver's badge stops opening the gate)

Revision ID: f6a2d0d0cbb9
Revises: 3fc3d553fb75
Create Date: 2026-11-27 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a2d0d0cbb9'
down_revision = '3fc3d553fb75'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_until', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('registered_until')
