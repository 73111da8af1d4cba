"""the hours hazmat vehicles may enter the park (null: any time)

Revision ID: c6a2cd8a8339
Revises: 6098a21e14e5
Create Date: 2026-11-27 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6a2cd8a8339'
down_revision = '6098a21e14e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hazmat_hours_from', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('hazmat_hours_until', sa.Time(), nullable=True))
        batch_op.create_check_constraint(
            'hazmat_hours_order',
            "(hazmat_hours_from IS NULL) = (hazmat_hours_until IS NULL) "
            "AND (hazmat_hours_from IS NULL OR hazmat_hours_from < hazmat_hours_until)",
        )


def downgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_park_hazmat_hours_order'), type_='check')
        batch_op.drop_column('hazmat_hours_until')
        batch_op.drop_column('hazmat_hours_from')
