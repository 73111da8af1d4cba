"""park companies' own vehicles: the owner and the last day of the yearly registration

Revision ID: 3fc3d553fb75
Revises: b5ff1faf7e30
Create Date: 2026-11-27 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3fc3d553fb75'
down_revision = 'b5ff1faf7e30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('registered_until', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_vehicle_company_id'), ['company_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_vehicle_company_id_company'), 'company', ['company_id'], ['id'])


def downgrade():
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_vehicle_company_id_company'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_vehicle_company_id'))
        batch_op.drop_column('registered_until')
        batch_op.drop_column('company_id')
