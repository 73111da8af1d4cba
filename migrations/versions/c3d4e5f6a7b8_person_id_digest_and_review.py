"""persons registered by carriers: ID number kept only as a keyed digest and its tail;
park review of persons

Revision ID: c3d4e5f6a7b8
Revises: b7c8d9e0f1a2
Create Date: 2026-11-25 18:34:21

"""
import hashlib
import hmac
import re

from alembic import op
import sqlalchemy as sa
from flask import current_app

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = 'b7c8d9e0f1a2'
branch_labels = None
depends_on = None

ID_TYPES = ('cn_resident_id', 'passport', 'other')


def _digest(kind, number):
    # The same derivation as services.crew.id_digest at the time of this migration.
    key = hmac.new(
        current_app.config['GATEKEEPER_AUDIT_KEY'].encode(), b'person-id', hashlib.sha256
    ).digest()
    normalised = re.sub(r'[\s-]', '', number).upper()
    return hmac.new(key, f'{kind}:{normalised}'.encode(), hashlib.sha256).hexdigest(), normalised[-4:]


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('id_number_tail', sa.String(length=4), nullable=True))
        # Persons registered before the review existed were entered by the park: approved.
        batch_op.add_column(sa.Column('review_status', sa.Enum('pending', 'approved', 'rejected', name='reviewstatus', native_enum=False, length=10), nullable=False, server_default='approved'))
        batch_op.add_column(sa.Column('review_comment', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_person_id_document_type_id_document_number'), type_='unique')
        batch_op.create_foreign_key(batch_op.f('fk_person_reviewed_by_id_user_account'), 'user_account', ['reviewed_by_id'], ['id'])
    connection = op.get_bind()
    rows = connection.execute(
        sa.text('SELECT id, id_document_type, id_document_number FROM person '
                'WHERE id_document_number IS NOT NULL')
    ).all()
    for person_id, kind, number in rows:
        kind = kind if kind in ID_TYPES else 'other'
        digest, tail = _digest(kind, number)
        connection.execute(
            sa.text('UPDATE person SET id_document_type = :kind, id_number_digest = :digest, '
                    'id_number_tail = :tail WHERE id = :id'),
            {'kind': kind, 'digest': digest, 'tail': tail, 'id': person_id},
        )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_person_carrier_id_id_document_type_id_number_digest'), ['carrier_id', 'id_document_type', 'id_number_digest'])
        batch_op.drop_column('id_document_number')


def downgrade():
    # The numbers themselves are gone: a downgrade keeps the column empty.
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_document_number', sa.VARCHAR(length=64), nullable=True))
        batch_op.drop_constraint(batch_op.f('fk_person_reviewed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_person_carrier_id_id_document_type_id_number_digest'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_person_id_document_type_id_document_number'), ['id_document_type', 'id_document_number'])
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('review_comment')
        batch_op.drop_column('review_status')
        batch_op.drop_column('id_number_tail')
        batch_op.drop_column('id_number_digest')
