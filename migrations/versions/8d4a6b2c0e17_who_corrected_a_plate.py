"""who corrected a passage's plate

Revision ID: 8d4a6b2c0e17
Revises: 5c2e7f1a9d31
Create Date: 2026-11-25 16:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d4a6b2c0e17'
down_revision = '5c2e7f1a9d31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plate_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_passage_plate_confirmed_by_id_user_account'),
            'user_account',
            ['plate_confirmed_by_id'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_passage_plate_confirmed_by_id_user_account'), type_='foreignkey'
        )
        batch_op.drop_column('plate_confirmed_by_id')
