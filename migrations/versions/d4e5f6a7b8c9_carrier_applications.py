"""carrier applications: public sign-up, the park's approval

Revision ID: d4e5f6a7b8c9
Revises: c3d4e5f6a7b8
Create Date: 2026-11-25 18:41:08.665890

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'c3d4e5f6a7b8'
branch_labels = None
depends_on = None


def upgrade():
    # Carriers registered before applications existed were entered by the park: approved.
    with op.batch_alter_table('carrier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('registration_number', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('status', sa.Enum('applied', 'approved', 'rejected', name='carrierstatus', native_enum=False, length=10), nullable=False, server_default='approved'))
        batch_op.add_column(sa.Column('review_comment', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('applied_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_carrier_registration_number'), ['registration_number'])
        batch_op.create_foreign_key(batch_op.f('fk_carrier_reviewed_by_id_user_account'), 'user_account', ['reviewed_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('carrier', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_carrier_reviewed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_carrier_registration_number'), type_='unique')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('applied_at')
        batch_op.drop_column('review_comment')
        batch_op.drop_column('status')
        batch_op.drop_column('registration_number')
        batch_op.drop_column('contact_name')

