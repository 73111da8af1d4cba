"""session epoch on users (sign-out ends the session on the server)

Revision ID: 3b8c1d2e4f50
Revises: 81ee990c938a
Create Date: 2026-11-25 17:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8c1d2e4f50'
down_revision = '81ee990c938a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
