"""The acts sent to the prefecture through S²LOW (contrôle de légalité): each deliberation
posted once, with the collectivity's client certificate, polled until the ARActe, whose
identifier and date fill the archive and the SCDL export; refusals shown to the clerk;
S²LOW down for a while loses nothing and sends nothing twice. Against the simulator, a
real HTTPS server that requires a client certificate."""

from __future__ import annotations

import datetime
import json
import socket
import ssl
from pathlib import Path

import pytest
import trustme
from django.urls import reverse
from frictionless import Resource, Schema

from council.regime import PARIS
from sessions import services as sittings
from sessions.minutes import services as minutes
from sessions.models import AgendaItem, Document, PrefectureLink, Transmission
from sessions.prefecture import client
from sessions.prefecture.services import (
    transmission_poll,
    transmission_retry,
    transmission_send,
)
from sessions.prefecture.simulator import Authority, S2lowSimulator
from sessions.prefecture.tasks import transmit_act
from tests import factories as f
from voting import services as voting
from voting.errors import VoteRefused

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).parent / "data" / "scdl-deliberations-2.1.2.schema.json"
SIREN = "213801855"
T = Transmission.State


@pytest.fixture
def client_for():
    """A test client logged in as `user` (None: nobody)."""
    from django.test import Client

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A certification authority, S²LOW's server certificate and two collectivities'
    client certificates (one the simulator knows), and a certificate from elsewhere."""
    d = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    ca.issue_cert("localhost", "127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(d / "server.pem")
    )
    ca.issue_cert(
        "mairie.example.fr", common_name="mairie-de-test"
    ).private_key_and_cert_chain_pem.write_to_path(str(d / "client.pem"))
    ca.issue_cert(
        "autre.example.fr", common_name="inconnue"
    ).private_key_and_cert_chain_pem.write_to_path(str(d / "unknown.pem"))
    trustme.CA().issue_cert(
        "mairie.example.fr", common_name="mairie-de-test"
    ).private_key_and_cert_chain_pem.write_to_path(str(d / "foreign.pem"))
    return d


@pytest.fixture
def s2low(pki):
    sim = S2lowSimulator(
        server_cert=str(pki / "server.pem"),
        server_key=str(pki / "server.pem"),
        client_ca=str(pki / "ca.pem"),
        authorities={"mairie-de-test": Authority(siren=SIREN, department="038")},
        acknowledge_after=1,
    )
    with sim:
        yield sim


def link_for(assembly, sim, pki, cert="client.pem"):
    return PrefectureLink.objects.create(
        assembly=assembly,
        base_url=sim.url,
        certificate_path=str(pki / cert),
        ca_path=str(pki / "ca.pem"),
        control_entity="PREF038",
    )


def published(sim, pki, *, annex=False, cert="client.pem"):
    """A sitting closed with one deliberation adopted on a show of hands, published; the
    assembly linked to the simulator."""
    a = f.assembly(members=5, population=1_000)
    a.siret = SIREN + "00015"
    a.save()
    clerk = f.staff(a)
    link_for(a, sim, pki, cert)
    s = f.in_session(a, clerk=clerk)
    item = s.items.get()
    if annex:
        Document.objects.create(
            item=item,
            kind=Document.Kind.ANNEX,
            title="Plan",
            file=_file("plan.pdf"),
            size=1,
            sha256="",
        )
    vote = voting.vote_open(item=item, kind="hands", user=None)
    voting.vote_close(
        vote=vote, user=None, counts={"for": 4, "against": 1, "abstain": 0}, confirm=True
    )
    sittings.sitting_close(sitting=s, user=None)
    minutes.deliberations_publish(sitting=s, user=clerk)
    return s, clerk


def scdl_report(csv: bytes, folder: Path):
    """The export checked by frictionless against the vendored SCDL schema."""
    (folder / "deliberations.csv").write_bytes(csv)
    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return Resource(path="deliberations.csv", basepath=str(folder), schema=schema).validate()


def _file(name):
    from django.core.files.base import ContentFile

    content = ContentFile(f.pdf_bytes("Annexe"))
    content.name = name
    return content


def test_a_deliberation_goes_to_s2low_with_its_certificate_and_comes_back_acknowledged(
    s2low, pki, client_for, tmp_path
):
    s2low.state.acknowledge_after = 0  # the first status request finds the ARActe
    s, clerk = published(s2low, pki, annex=True)
    t = Transmission.objects.get(sitting=s)
    d = s.deliberations.get()
    day = datetime.datetime.now(PARIS).date()
    assert (t.state, t.nature_code, t.matter_code, t.decision_date) == (T.QUEUED, "1", "9.1", day)
    assert t.number == f"{d.decided_at.astimezone(PARIS):%y%m%d}_{s.pk}_01"

    transmit_act.apply(args=[t.pk])  # posts, then polls (eager: at once)

    t.refresh_from_db()
    assert t.state == T.ACKNOWLEDGED, t.last_error
    assert t.act_id == f"038-{SIREN}-{day:%Y%m%d}-{t.number}-DE"
    assert t.acknowledged_on == day and t.control_entity == "PREF038"
    act = s2low.state.acts[int(t.s2low_id)]
    assert (act.nature, act.matter, act.number, act.decision_date) == (
        "1",
        "9.1",
        t.number,
        day.isoformat(),
    )
    assert [(field, name) for field, name, _size in act.files] == [
        ("acte_pdf_file", f"{t.number}.pdf"),
        ("acte_attachments[]", f"annexe-{Document.objects.get().pk}.pdf"),
    ]
    assert s2low.state.submissions[t.number] == 1

    # The clerk's board and the public archive say when the prefecture received it.
    page = client_for(clerk).get(reverse("clerk-prefecture", args=[s.pk])).content.decode()
    assert f"transmis en préfecture le {day.day}" in page and t.act_id in page
    public = client_for(None).get(reverse("archive-sitting", args=[s.pk])).content.decode()
    assert "transmis en préfecture le" in public and t.act_id in public

    # The SCDL export carries PREF_ID and PREF_DATE, and is valid against the schema.
    csv = client_for(None).get(reverse("deliberations-csv", args=[s.assembly.slug])).content
    report = scdl_report(csv, tmp_path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    header, row = (line.split(",") for line in csv.decode().strip().split("\n"))
    record = dict(zip(header, row, strict=True))
    assert (record["PREF_ID"], record["PREF_DATE"]) == ("PREF038", day.isoformat())
    assert record["PREF_DATE"] >= record["DELIB_DATE"]  # the schema's custom check


def test_the_scdl_export_without_an_acknowledgement_is_valid_and_leaves_pref_empty(
    s2low, pki, client_for, tmp_path
):
    s, _clerk = published(s2low, pki)
    csv = client_for(None).get(reverse("deliberations-csv", args=[s.assembly.slug])).content
    report = scdl_report(csv, tmp_path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert csv.decode().split("\n")[1].count(",,") >= 2  # PREF_ID, PREF_DATE empty
    # The check has teeth: a matter code outside the schema's pattern is caught.
    broken = scdl_report(csv.replace(b",9.1,", b",9-1,"), tmp_path)
    assert broken.flatten(["fieldName", "type"]) == [["DELIB_MATIERE_CODE", "constraint-error"]]


def test_status_is_polled_until_the_prefecture_acknowledges(s2low, pki):
    s2low.state.acknowledge_after = 2
    s, _clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    assert transmission_send(transmission_id=t.pk, retry_in=30).transmission.state == T.POSTED
    first = transmission_poll(transmission_id=t.pk, retry_in=30)
    assert first.again and first.transmission.s2low_status == client.SENT
    assert transmission_poll(transmission_id=t.pk, retry_in=60).transmission.state == T.POSTED
    done = transmission_poll(transmission_id=t.pk, retry_in=120)
    assert not done.again and done.transmission.state == T.ACKNOWLEDGED
    assert done.transmission.polls == 3 and "ARActe" in done.transmission.aracte


def test_a_refusal_by_s2low_is_shown_to_the_clerk_with_its_reason(s2low, pki, client_for):
    s, clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    Transmission.objects.filter(pk=t.pk).update(matter_code="9.9")  # not in ACTES
    outcome = transmission_send(transmission_id=t.pk, retry_in=30)
    assert not outcome.again and outcome.transmission.state == T.REFUSED
    assert "9.9" in outcome.transmission.refusal
    page = client_for(clerk).get(reverse("clerk-prefecture", args=[s.pk]))
    text = page.content.decode()
    assert "Refusé" in text and "Motif donné par S²LOW" in text
    assert "La classification 9.9 n&#x27;existe pas" in text

    # Once the cause is fixed, the clerk sends it again: the same number, a new try.
    Transmission.objects.filter(pk=t.pk).update(matter_code="9.1")
    answer = client_for(clerk).post(reverse("clerk-prefecture-retry", args=[s.pk, t.pk]))
    assert answer.status_code == 302
    assert transmission_send(transmission_id=t.pk, retry_in=30).transmission.state == T.POSTED
    assert s2low.state.submissions[t.number] == 2  # the refused try, then the accepted one


def test_s2low_down_then_up_sends_each_act_once(s2low, pki):
    s, _clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    s2low.state.down = True
    for retry_in in (30, 60, 120):  # a day would be more tries of the same
        outcome = transmission_send(transmission_id=t.pk, retry_in=retry_in)
        assert outcome.again and outcome.transmission.state == T.POSTING
        assert "503" in outcome.transmission.last_error
        assert outcome.transmission.next_attempt_at is not None
    s2low.state.down = False
    assert transmission_send(transmission_id=t.pk, retry_in=240).transmission.state == T.POSTED
    assert transmission_send(transmission_id=t.pk, retry_in=480).transmission.state == T.POSTED
    assert s2low.state.submissions[t.number] == 1
    assert Transmission.objects.get(pk=t.pk).attempts == 4


def test_an_answer_lost_on_the_way_does_not_make_a_second_act(s2low, pki):
    s, _clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    s2low.state.lose_next_answer = True  # S²LOW records the act, its answer never arrives
    first = transmission_send(transmission_id=t.pk, retry_in=30)
    assert first.again and first.transmission.state == T.POSTING
    second = transmission_send(transmission_id=t.pk, retry_in=60)
    assert second.transmission.state == T.POSTED  # found by its number, not posted again
    assert s2low.state.submissions[t.number] == 1 and len(s2low.state.acts) == 1
    assert second.transmission.s2low_id == "1"


def test_without_the_collectivity_s_certificate_s2low_does_not_answer(s2low, pki):
    # No certificate at all: the TLS handshake fails, as on the real platform.
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    port = int(s2low.url.rsplit(":", 1)[1])
    raw = socket.create_connection(("127.0.0.1", port))
    with pytest.raises((ssl.SSLError, ConnectionResetError)):  # noqa: SIM117
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET /modules/actes/api/list_actes.php HTTP/1.0\r\n\r\n")
            tls.recv(10)
    raw.close()
    # A certificate from another authority: unreachable, the act stays to be sent.
    s, _clerk = published(s2low, pki, cert="foreign.pem")
    t = Transmission.objects.get(sitting=s)
    outcome = transmission_send(transmission_id=t.pk, retry_in=30)
    assert outcome.again and "injoignable" in outcome.transmission.last_error
    assert s2low.state.submissions == {}


def test_a_certificate_s2low_does_not_know_is_refused(s2low, pki):
    s, _clerk = published(s2low, pki, cert="unknown.pem")
    t = Transmission.objects.get(sitting=s)
    outcome = transmission_send(transmission_id=t.pk, retry_in=30)
    assert outcome.transmission.state == T.REFUSED
    assert outcome.transmission.refusal == "Échec de l'authentification"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"classif1": "", "classif2": ""}, "classification matières/sous-matières est obligatoire"),
        ({"nature_code": "7"}, "nature de l'acte est invalide"),
        ({"nature_code": "2"}, "typologie 99_DE ne correspond pas"),
        ({"number": "2026-12-01/3"}, "Le numéro n'est pas correct"),
        ({"number": "N" * 16}, "Le numéro n'est pas correct"),
        ({"decision_date": "2999-01-01"}, "date dans le futur"),
    ],
)
def test_the_simulator_refuses_what_s2low_refuses(s2low, pki, change, reason):
    link = PrefectureLink(
        base_url=s2low.url, certificate_path=str(pki / "client.pem"), ca_path=str(pki / "ca.pem")
    )
    fields = {
        "nature_code": "1",
        "classif1": "7",
        "classif2": "1",
        "number": "261201_1_01",
        "decision_date": "2026-01-05",
        "subject": "Budget primitif",
        "type_acte": "99_DE",
    }
    fields.update(change)
    pdf = client.File("acte_pdf_file", "acte.pdf", f.pdf_bytes())
    with pytest.raises(client.Refused, match=reason):
        client.act_create(link, list(fields.items()), [pdf])


def test_the_simulator_refuses_a_file_that_is_not_a_pdf_and_a_number_used_twice(s2low, pki):
    link = PrefectureLink(
        base_url=s2low.url, certificate_path=str(pki / "client.pem"), ca_path=str(pki / "ca.pem")
    )
    fields = [
        ("nature_code", "1"),
        ("classif1", "7"),
        ("classif2", "1"),
        ("number", "A1"),
        ("decision_date", "2026-01-05"),
        ("subject", "Budget"),
        ("type_acte", "99_DE"),
    ]
    text = client.File("acte_pdf_file", "acte.pdf", b"not a pdf")
    with pytest.raises(client.Refused, match="n'est pas un PDF"):
        client.act_create(link, fields, [text])
    pdf = client.File("acte_pdf_file", "acte.pdf", f.pdf_bytes())
    assert client.act_create(link, fields, [pdf]) == "1"
    with pytest.raises(client.Refused, match="même numéro interne existe déjà"):
        client.act_create(link, fields, [pdf])
    assert json.loads(json.dumps(s2low.state.submissions)) == {"A1": 3}


def test_the_prefecture_board_is_the_clerk_s_own(s2low, pki, client_for):
    s, clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    page = reverse("clerk-prefecture", args=[s.pk])
    retry = reverse("clerk-prefecture-retry", args=[s.pk, t.pk])
    other = f.staff(f.assembly(members=3))
    councillor = f.councillors(s.assembly)[0].user
    assert client_for(clerk).get(page).status_code == 200
    for intruder in (other, councillor):
        assert client_for(intruder).get(page).status_code == 403
        assert client_for(intruder).post(retry).status_code == 403
    assert client_for(None).get(page).status_code == 302  # to the login page
    # Another sitting's transmission through this sitting's URL: not found.
    s2, clerk2 = published(s2low, pki)
    t2 = Transmission.objects.get(sitting=s2)
    assert (
        client_for(clerk).post(reverse("clerk-prefecture-retry", args=[s.pk, t2.pk])).status_code
        == 404
    )
    assert client_for(clerk).post(retry).status_code == 409  # not refused: nothing to resend
    t.refresh_from_db()
    assert t.state == T.QUEUED


def test_only_a_refused_act_is_sent_again(s2low, pki):
    s, clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    with pytest.raises(Exception, match="refusé par S²LOW"):
        transmission_retry(transmission=t, user=clerk)


def test_an_item_is_not_put_to_the_vote_without_its_actes_matter_code(client_for):
    a = f.assembly(members=5, population=1_000)
    clerk = f.staff(a)
    s = f.in_session(a, clerk=clerk)
    item = s.items.get()
    AgendaItem.objects.filter(pk=item.pk).update(matter="")
    with pytest.raises(VoteRefused) as refused:
        voting.vote_open(item=item, kind="hands", user=None)
    assert refused.value.code == "matter_missing"
    assert "code de matière ACTES" in str(refused.value.message)
    answer = client_for(clerk).post(
        reverse("clerk-item-matter", args=[s.pk, item.pk]), {"matter": "8.3"}
    )
    assert answer.status_code == 302
    assert voting.vote_open(item=item, kind="hands", user=None).item.matter == "8.3"
    bad = client_for(clerk).post(
        reverse("clerk-item-matter", args=[s.pk, item.pk]), {"matter": "12.1"}
    )
    assert bad.status_code == 400 and "Code de matière ACTES inconnu" in bad.content.decode()


def test_the_clerk_gives_the_matter_code_when_adding_an_item(client_for):
    a = f.assembly(members=5, population=1_000)
    clerk = f.staff(a)
    s = f.sitting(a, clerk=clerk, items=0)
    url = reverse("clerk-item-add", args=[s.pk])
    answer = client_for(clerk).post(
        url, {"title": "Voirie", "kind": "deliberation", "matter": "8.3"}
    )
    assert answer.status_code == 302 and s.items.get().matter == "8.3"
    page = client_for(clerk).get(reverse("clerk-sitting", args=[s.pk])).content.decode()
    assert "Matière (nomenclature ACTES)" in page


def test_the_demo_sends_its_published_acts_to_the_simulator_and_gets_them_acknowledged(s2low, pki):
    from sessions.prefecture.demo import matter_for, transmit_published_acts

    s, clerk = published(s2low, pki)
    Transmission.objects.filter(sitting=s).delete()  # as in the demo: published first
    done = transmit_published_acts([s], clerk)
    assert [(t.state, t.control_entity) for t in done] == [(T.ACKNOWLEDGED, "PREF038")]
    assert done[0].act_id.endswith(f"-{done[0].number}-DE")
    assert not PrefectureLink.objects.get(assembly=s.assembly).enabled  # its simulator is gone
    assert (matter_for("Décision modificative n° 2 du budget 2026"), matter_for("Divers")) == (
        "7.1",
        "9.1",
    )


def test_the_demo_s_acts_are_acknowledged_where_localhost_does_not_resolve(
    s2low, pki, monkeypatch, django_capture_on_commit_callbacks
):
    """A fresh Debian root has no /etc/hosts: "localhost" does not resolve there. The demo
    set-up, in its transaction and with the embedded (eager) Celery of such a machine,
    still gets its acts acknowledged, and leaves no job in the broker that would post
    later, once its simulator and certificates are gone."""
    from django.db import transaction

    from council import jobs
    from sessions.prefecture.demo import transmit_published_acts

    real = socket.getaddrinfo

    def no_hosts_file(host, *args, **kwargs):
        if host == "localhost":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    sent = []
    monkeypatch.setattr(socket, "getaddrinfo", no_hosts_file)
    monkeypatch.setattr(jobs.app, "send_task", lambda name, **kw: sent.append(name))
    s, clerk = published(s2low, pki)
    Transmission.objects.filter(sitting=s).delete()  # as in the demo: published first
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        done = transmit_published_acts([s], clerk)
    assert [t.state for t in done] == [T.ACKNOWLEDGED], [t.last_error for t in done]
    assert (done[0].attempts, sent) == (1, [])


def test_a_job_posts_nothing_through_a_disabled_link_and_says_why(s2low, pki, caplog):
    s, _clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    PrefectureLink.objects.filter(assembly=s.assembly).update(enabled=False)
    transmit_act.apply(args=[t.pk])
    t.refresh_from_db()
    assert (t.state, t.attempts, s2low.state.submissions) == (T.QUEUED, 0, {})
    assert t.last_error == "Le lien avec S²LOW est désactivé\u00a0: rien n’a été envoyé."
    assert "disabled" not in t.last_error and "transmission" in caplog.text


def test_every_failed_try_is_logged_not_only_the_last(s2low, pki, caplog):
    s, _clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    s2low.state.down = True
    for retry_in in (30, 60):
        transmission_send(transmission_id=t.pk, retry_in=retry_in)
    tries = [
        r.getMessage() for r in caplog.records if f"transmission {t.pk}, try" in r.getMessage()
    ]
    assert [m.split(":")[0] for m in tries] == [
        f"transmission {t.pk}, try 1",
        f"transmission {t.pk}, try 2",
    ]
    assert all("503" in m for m in tries)


BILLION_LAUGHS = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<actes:ARActe xmlns:actes="http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
 actes:IDActe="&lol3;" actes:DateReception="2026-12-01"/>"""


def test_an_aracte_with_entities_is_refused_not_expanded(s2low, pki):
    from sessions.prefecture.services import _acknowledged

    s, _clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    link = PrefectureLink.objects.get(assembly=s.assembly)
    outcome = _acknowledged(t, link, client.Status(client.ACKNOWLEDGED, "", BILLION_LAUGHS))
    t.refresh_from_db()
    assert outcome.again and t.state == T.QUEUED and not t.act_id
    assert t.last_error.startswith("ARActe illisible\u00a0: DTDForbidden(name='lolz'")


def test_acts_whose_jobs_were_lost_are_found_again(s2low, pki):
    from sessions.prefecture.services import transmissions_resume

    s, _clerk = published(s2low, pki)
    t = Transmission.objects.get(sitting=s)
    assert transmissions_resume() == ([t.pk], [])
    transmission_send(transmission_id=t.pk, retry_in=30)
    assert transmissions_resume() == ([], [t.pk])


def test_the_api_sets_an_item_s_matter_and_lists_the_acts_sent(s2low, pki):
    from rest_framework.test import APIClient

    s, clerk = published(s2low, pki)
    api = APIClient()
    api.force_authenticate(clerk)
    sent = api.get(f"/api/sittings/{s.pk}/transmissions/")
    assert sent.status_code == 200
    assert [(t["state"], t["matter_code"]) for t in sent.json()] == [("queued", "9.1")]
    nxt = f.sitting(s.assembly, clerk=clerk, items=1)
    item = nxt.items.get()
    url = f"/api/sittings/{nxt.pk}/items/{item.pk}/matter/"
    assert api.post(url, {"matter": "8.3"}, format="json").json()["matter"] == "8.3"
    assert api.post(url, {"matter": "99"}, format="json").status_code == 400
    assert api.post(url, {"matter": "8.3", "extra": 1}, format="json").status_code == 400
    councillor = APIClient()
    councillor.force_authenticate(f.councillors(s.assembly)[0].user)
    assert councillor.get(f"/api/sittings/{s.pk}/transmissions/").status_code == 403
    assert councillor.post(url, {"matter": "8.3"}, format="json").status_code == 403
