"""repeated illegal parking: how many offences within how many days propose the blacklist

Revision ID: b5ff1faf7e30
Revises: 5a38527005b3
Create Date: 2026-11-27 04:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5ff1faf7e30'
down_revision = '5a38527005b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parking_offences_to_blacklist', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('parking_offence_days', sa.Integer(), nullable=False, server_default='90'))
        batch_op.create_check_constraint('parking_offences_nonneg', 'parking_offences_to_blacklist >= 0')
        batch_op.create_check_constraint('parking_offence_days_positive', 'parking_offence_days > 0')


def downgrade():
    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.drop_constraint('parking_offence_days_positive', type_='check')
        batch_op.drop_constraint('parking_offences_nonneg', type_='check')
        batch_op.drop_column('parking_offence_days')
        batch_op.drop_column('parking_offences_to_blacklist')
