"""inside the park: sightings by event id, presence tracking, goods on site, person passages,
visits, roll calls, the authority feed's batches and daily reports

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-11-26 00:34:27.706662

"""
from alembic import op
import sqlalchemy as sa

import gatekeeper.models.types


# revision identifiers, used by Alembic.
revision = 'f2a3b4c5d6e7'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('daily_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('stored_path', sa.String(length=255), nullable=False),
    sa.Column('created_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_report')),
    sa.UniqueConstraint('day', name=op.f('uq_daily_report_day'))
    )
    op.create_table('feed_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ranges', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('sent_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_batch'))
    )
    with op.batch_alter_table('feed_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_batch_created_at'), ['created_at'], unique=False)

    op.create_table('roll_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('drill', 'emergency', name='rollcallreason', native_enum=False, length=10), nullable=False),
    sa.Column('started_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_roll_call_started_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roll_call'))
    )
    op.create_table('roll_call_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roll_call_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('zone_label', sa.String(length=160), nullable=False),
    sa.Column('muster_point', sa.String(length=120), nullable=False),
    sa.Column('last_seen_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_seen_where', sa.String(length=160), nullable=True),
    sa.Column('accounted_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accounted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accounted_by_id'], ['user_account.id'], name=op.f('fk_roll_call_entry_accounted_by_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_roll_call_entry_person_id_person')),
    sa.ForeignKeyConstraint(['roll_call_id'], ['roll_call.id'], name=op.f('fk_roll_call_entry_roll_call_id_roll_call')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roll_call_entry')),
    sa.UniqueConstraint('roll_call_id', 'person_id', name=op.f('uq_roll_call_entry_roll_call_id_person_id'))
    )
    with op.batch_alter_table('roll_call_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roll_call_entry_roll_call_id'), ['roll_call_id'], unique=False)

    op.create_table('visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('expected_on', sa.Date(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('created_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rules_acknowledged_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('arrived_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('left_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['host_id'], ['user_account.id'], name=op.f('fk_visit_host_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_visit_person_id_person')),
    sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], name=op.f('fk_visit_zone_id_zone')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_expected_on'), ['expected_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_person_id'), ['person_id'], unique=False)

    op.create_table('person_passage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('lane_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('in', 'out', name='passagedirection', native_enum=False), nullable=False),
    sa.Column('occurred_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('card_number', sa.String(length=40), nullable=True),
    sa.Column('event_id', sa.String(length=100), nullable=True),
    sa.Column('vehicle_passage_id', sa.Integer(), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lane_id'], ['lane.id'], name=op.f('fk_person_passage_lane_id_lane')),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_person_passage_operator_id_user_account')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_passage_person_id_person')),
    sa.ForeignKeyConstraint(['vehicle_passage_id'], ['passage.id'], name=op.f('fk_person_passage_vehicle_passage_id_passage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_passage')),
    sa.UniqueConstraint('lane_id', 'event_id', name='uq_person_passage_event')
    )
    with op.batch_alter_table('person_passage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_passage_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_passage_person_id'), ['person_id'], unique=False)

    op.create_table('goods_on_site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('presence_id', sa.Integer(), nullable=False),
    sa.Column('un_number', sa.String(length=4), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('hazard_class', sa.String(length=8), nullable=True),
    sa.Column('quantity', sa.Double(), nullable=False),
    sa.Column('unit', sa.String(length=4), nullable=False),
    sa.Column('since', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['presence_id'], ['presence.id'], name=op.f('fk_goods_on_site_presence_id_presence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goods_on_site'))
    )
    with op.batch_alter_table('goods_on_site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goods_on_site_presence_id'), ['presence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goods_on_site_un_number'), ['un_number'], unique=False)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.JSON(), nullable=True))

    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('station_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_checkpoint_station_id_station'), 'station', ['station_id'], ['id'])

    with op.batch_alter_table('gate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Double(), nullable=True))

    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkpoint_tolerance_minutes', sa.Integer(), nullable=False, server_default='10'))
        batch_op.add_column(sa.Column('speed_tolerance_percent', sa.Integer(), nullable=False, server_default='20'))
        batch_op.add_column(sa.Column('parking_limit_minutes', sa.Integer(), nullable=False, server_default='15'))
        batch_op.add_column(sa.Column('uses_positioning_cards', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.create_index(
            'ix_passage_waiting', ['occurred_at'], unique=False,
            postgresql_where=sa.text("decision = 'hold' AND released_at IS NULL"),
            sqlite_where=sa.text("decision = 'hold' AND released_at IS NULL"),
        )

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_number', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_person_badge_number'), ['badge_number'])

    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_checkpoint_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('route_position', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unloaded_at', gatekeeper.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('card_number', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_presence_last_checkpoint_id_checkpoint'), 'checkpoint', ['last_checkpoint_id'], ['id'])

    with op.batch_alter_table('sighting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('station_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('plate_colour', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('speed_kmh', sa.Double(), nullable=True))
        batch_op.create_unique_constraint('uq_sighting_event', ['checkpoint_id', 'event_id'])
        batch_op.create_foreign_key(batch_op.f('fk_sighting_station_id_station'), 'station', ['station_id'], ['id'])

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=True))

    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('muster_point', sa.String(length=120), nullable=True))



def downgrade():
    with op.batch_alter_table('zone', schema=None) as batch_op:
        batch_op.drop_column('muster_point')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('phone')

    with op.batch_alter_table('sighting', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sighting_station_id_station'), type_='foreignkey')
        batch_op.drop_constraint('uq_sighting_event', type_='unique')
        batch_op.drop_column('speed_kmh')
        batch_op.drop_column('plate_colour')
        batch_op.drop_column('station_id')
        batch_op.drop_column('event_id')

    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_presence_last_checkpoint_id_checkpoint'), type_='foreignkey')
        batch_op.drop_column('card_number')
        batch_op.drop_column('unloaded_at')
        batch_op.drop_column('route_position')
        batch_op.drop_column('last_checkpoint_id')
        batch_op.drop_column('last_seen_at')

    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.drop_index('ix_passage_waiting')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_person_badge_number'), type_='unique')
        batch_op.drop_column('badge_number')

    with op.batch_alter_table('park', schema=None) as batch_op:
        batch_op.drop_column('uses_positioning_cards')
        batch_op.drop_column('parking_limit_minutes')
        batch_op.drop_column('speed_tolerance_percent')
        batch_op.drop_column('checkpoint_tolerance_minutes')

    with op.batch_alter_table('gate', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')

    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkpoint_station_id_station'), type_='foreignkey')
        batch_op.drop_column('station_id')

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_column('evidence')

    with op.batch_alter_table('goods_on_site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goods_on_site_un_number'))
        batch_op.drop_index(batch_op.f('ix_goods_on_site_presence_id'))

    op.drop_table('goods_on_site')
    with op.batch_alter_table('person_passage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_passage_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_passage_occurred_at'))

    op.drop_table('person_passage')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_person_id'))
        batch_op.drop_index(batch_op.f('ix_visit_host_id'))
        batch_op.drop_index(batch_op.f('ix_visit_expected_on'))

    op.drop_table('visit')
    with op.batch_alter_table('roll_call_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roll_call_entry_roll_call_id'))

    op.drop_table('roll_call_entry')
    op.drop_table('roll_call')
    with op.batch_alter_table('feed_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_batch_created_at'))

    op.drop_table('feed_batch')
    op.drop_table('daily_report')
