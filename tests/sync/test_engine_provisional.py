"""WR-13 b at sync: a ticket admitted provisionally offline is confirmed by the centre when it knows the ticket
(bought online after the station's last pull), and rejected — kept and shown — when it does not."""
from core.provisional import admit_provisionally
from tests.sync.engine_helpers import checkins_of


def test_wr13b_provisional_admission_is_checked_at_sync(server, stations):
    ev = server.seed_event()
    d = server.seed_definition(ev, quantity=20)
    st = stations("Door", "door", [ev], on=server)
    assert st.sync().ok                                   # the station's last pull, before the online sale
    bought = server.seed_sale(ev, {d: 1})["tickets"][0]   # bought online at 19:58
    with st.ledger.uow() as uow:
        for tn in (bought, "FAKE-0000-XX021"):
            assert admit_provisionally(uow.session, tn, event_id=ev, station="Door").admitted
        uow.commit()
    report = st.sync()
    assert [r["entity"] for r in report.rejected] == ["FAKE-0000-XX021"]
    [row] = checkins_of(server.ledger, bought)
    assert row.kind == "CHECK_IN" and row.status == "ACCEPTED"
    assert [r.entity_key for r in st.outbox("rejected")] == ["FAKE-0000-XX021"]
    assert checkins_of(server.ledger, "FAKE-0000-XX021") == []
