"""the last day of a person's blacklisting or suspension, as vehicles have

Revision ID: 5a38527005b3
Revises: 1b2c3d4e5f60
Create Date: 2026-11-27 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a38527005b3'
down_revision = '1b2c3d4e5f60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standing_until', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('standing_until')
