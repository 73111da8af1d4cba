"""documents: read by a background job (what was read, differences), reviewed by the park

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-11-25 18:52:07.598523

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c9d0'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None

KINDS = (
    'vehicle_licence', 'road_transport_certificate', 'adr_certificate', 'tank_inspection',
    'vehicle_photo', 'driver_qualification', 'escort_qualification', 'id_card', 'waybill',
    'other',
)


def upgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pages', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('read_status', sa.String(length=12), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('read_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('read_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reading', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('review_status', sa.Enum('pending', 'approved', 'rejected', name='reviewstatus', native_enum=False, length=10), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('review_comment', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_document_reviewed_by_id_user_account'), 'user_account', ['reviewed_by_id'], ['id'])
    # The kind is now one of a list; free-text kinds of earlier uploads become "other".
    op.execute(
        "UPDATE document SET kind = 'other' WHERE kind NOT IN ("
        + ", ".join(f"'{kind}'" for kind in KINDS)
        + ")"
    )


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_document_reviewed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('review_comment')
        batch_op.drop_column('review_status')
        batch_op.drop_column('reading')
        batch_op.drop_column('read_error')
        batch_op.drop_column('read_at')
        batch_op.drop_column('read_status')
        batch_op.drop_column('pages')

