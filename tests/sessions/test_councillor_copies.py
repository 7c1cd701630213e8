"""R32: in an EPCI, the member communes' councillors who do not sit in its council get a
copy of the convocation, of the list of deliberations and of the minutes, delivered and
proven as the members' convocations are, with the one-month deadline on the board."""

from __future__ import annotations

import datetime
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from council.models import Assembly, CommuneCouncillor, MemberCommune
from council.regime import CGCT_2026, PARIS
from sessions.minutes import services as minutes
from sessions.models import CouncillorCopy
from tests import factories as f
from tests.sessions.minutes_cases import adopted_minutes

pytestmark = pytest.mark.django_db


def epci(members: int = 3) -> Assembly:
    return f.assembly(kind=Assembly.Kind.EPCI, members=members, population=41_000)


def councillors(a: Assembly, n: int = 2) -> list[CommuneCouncillor]:
    commune = a.communes.order_by("name").last()  # Petitbourg
    return [
        CommuneCouncillor.objects.create(
            commune=commune,
            first_name=f"Conseillère{i}",
            last_name=f"Communale{i}",
            email=f"conseillere{i}.{a.pk}@petitbourg.example.fr",
        )
        for i in range(n)
    ]


def row_of(board: str, copy: CouncillorCopy) -> str:
    return board.split(f'data-copy="{copy.id}"')[1].split("</tr>")[0]


@pytest.mark.django_db(transaction=True)
def test_a_refused_copy_is_shown_on_the_board_and_sent_again(client, smtp):
    a = epci()
    first, second = councillors(a)
    sitting_member = a.members.order_by("id").last()
    # A commune's councillor who also sits in the council gets the member's copy only.
    CommuneCouncillor.objects.create(
        commune=first.commune, first_name="Déjà", last_name="Membre", email=sitting_member.email
    )
    s = f.sitting(a, days=10)
    smtp.refuse(first.email, f"550 5.1.1 <{first.email}>: Recipient address rejected")
    clerk = f.staff(a)
    client.force_login(clerk)
    assert client.post(f"/clerk/sittings/{s.id}/convocation/", {}).status_code == 302

    [message] = smtp.wait_for(second.email)
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"Copie de la convocation\u00a0: {s.title}"
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert "L5211-40-2" in body and first.commune.name in body and a.name in body
    names = [p.get_filename() for p in message.walk() if p.get_filename()]
    assert names == [f"convocation-{s.pk}.pdf"]
    copies = {c.councillor_id: c for c in CouncillorCopy.objects.filter(sitting=s)}
    assert set(copies) == {first.id, second.id}  # not the one who sits
    assert len(smtp.messages_to(sitting_member.email)) == 1  # the member's convocation only
    refused = copies[first.id]
    assert (refused.status, refused.attempts, refused.sent_at) == ("failed", 1, None)
    assert refused.due_at == s.starts_at

    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    assert "Conseillers municipaux des communes membres" in board
    row = row_of(board, refused)
    assert 'data-status="failed"' in row and "En échec" in row
    assert "550" in row and "refusé l&#x27;adresse" in row
    assert 'data-deadline="on-time"' in row_of(board, copies[second.id])

    first.email = "bonne.adresse@petitbourg.example.fr"
    first.save(update_fields=["email"])
    smtp.recover()
    response = client.post(
        f"/clerk/sittings/{s.id}/deliveries/copies/resend/", {"copy": refused.id}, follow=True
    )
    assert "La copie est renvoyée" in response.content.decode()
    [resent_message] = smtp.wait_for("bonne.adresse@petitbourg.example.fr")
    refused.refresh_from_db()
    assert (refused.dispatch, refused.status, refused.attempts) == (2, "sent", 1)
    row = row_of(client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode(), refused)
    assert "bonne.adresse@petitbourg.example.fr" in row and "data-error" not in row
    assert 'data-deadline="on-time"' in row and "non ouverte" in row

    # The link in the e-mail is the proof of opening.
    text = resent_message.get_payload()[0].get_payload(decode=True).decode()
    link = next(line for line in text.splitlines() if "/copies/ack/" in line)
    client.logout()
    ack = client.get(link[link.index("/copies/ack/") :])
    assert ack.status_code == 200 and "Document reçu" in ack.content.decode()
    refused.refresh_from_db()
    assert refused.opened_at is not None and refused.open_count == 1
    assert client.get("/copies/ack/not-a-token/").status_code == 404


def test_a_commune_council_sends_no_copy(django_capture_on_commit_callbacks):
    a = f.assembly(members=3, population=1_200)
    commune = MemberCommune.objects.create(assembly=a, name="Hameau", population=100)
    CommuneCouncillor.objects.create(
        commune=commune, first_name="Jean", last_name="Hors", email="hors@example.fr"
    )
    with django_capture_on_commit_callbacks(execute=True):
        s = f.convened(a, notes=False)
    assert not CouncillorCopy.objects.filter(sitting=s).exists()
    assert all("hors@example.fr" not in m.to for m in mail.outbox)


def test_a_convocation_copy_is_not_sent_once_the_sitting_has_opened(
    django_assert_num_queries,
):
    """As the members' convocations: a job that comes late finds the sitting open and
    sends nothing; the sending of the copies asks once which councillors already have one."""
    from sessions.services.councillor_copies import copies_send, copy_deliver

    a = epci()
    councillors(a, n=3)
    s = f.convened(a)
    copy = CouncillorCopy.objects.filter(sitting=s, kind="convocation").first()
    assert copy is not None and copy.status == "queued"
    type(s).objects.filter(pk=s.pk).update(state="open")
    assert copy_deliver(copy_id=copy.pk, dispatch=copy.dispatch, retry_in=30) is None
    copy.refresh_from_db()
    assert (copy.status, copy.attempts, copy.sent_at) == ("queued", 0, None)
    assert all(copy.email not in m.to for m in mail.outbox)
    s.refresh_from_db()
    with django_assert_num_queries(4):  # the copies already made: one query, not one each
        assert copies_send(sitting=s, kind="convocation", start=s.starts_at) == []


def test_the_copy_deadline_is_a_month_in_paris_and_on_time_at_its_last_second():
    closed = datetime.datetime(2026, 1, 31, 21, 0, tzinfo=PARIS)
    due = CGCT_2026.councillor_copy_due("list", closed)
    assert due == datetime.datetime(2026, 2, 28, 21, 0, tzinfo=PARIS)  # a shorter month
    adopted = datetime.datetime(2026, 3, 15, 10, 0, tzinfo=PARIS)
    assert CGCT_2026.councillor_copy_due("minutes", adopted) == datetime.datetime(
        2026, 4, 15, 10, 0, tzinfo=PARIS
    )  # across the change to summer time, the same hour in Paris
    second = datetime.timedelta(seconds=1)
    assert not CGCT_2026.councillor_copy_late(due, due, due + 10 * second)
    assert CGCT_2026.councillor_copy_late(due, due + second, due + 10 * second)
    assert not CGCT_2026.councillor_copy_late(due, None, due)  # not sent yet, still in time
    assert CGCT_2026.councillor_copy_late(due, None, due + second)


def test_the_board_says_whether_each_copy_left_within_its_month(client):
    a = epci()
    on_time, late, unsent = councillors(a, 3)
    s = f.sitting(a, days=-40, notes=False)
    due = datetime.datetime(2026, 2, 28, 21, 0, tzinfo=PARIS)

    def copy(c: CommuneCouncillor, sent_at: datetime.datetime | None) -> CouncillorCopy:
        return CouncillorCopy.objects.create(
            sitting=s,
            councillor=c,
            kind=CouncillorCopy.Kind.LIST,
            email=c.email,
            created_at=due - datetime.timedelta(days=3),
            due_at=due,
            sent_at=sent_at,
            status="sent" if sent_at else "failed",
        )

    copies = [
        copy(on_time, due),
        copy(late, due + datetime.timedelta(seconds=1)),
        copy(unsent, None),
    ]
    client.force_login(f.staff(a))
    board = client.get(f"/clerk/sittings/{s.id}/deliveries/").content.decode()
    rows = [row_of(board, c) for c in copies]
    assert "Liste des délibérations" in rows[0] and "28 février 2026, 21:00" in rows[0]
    assert 'data-deadline="on-time"' in rows[0] and "dans le délai" in rows[0]
    assert 'data-deadline="late"' in rows[1] and "en retard" in rows[1]
    assert 'data-deadline="late"' in rows[2] and "délai dépassé" in rows[2]


def test_the_list_and_the_minutes_reach_the_councillors_within_a_month(
    django_capture_on_commit_callbacks,
):
    s, people, clerk, record = adopted_minutes()
    a = s.assembly
    a.kind = Assembly.Kind.EPCI
    a.save(update_fields=["kind"])
    commune = MemberCommune.objects.create(assembly=a, name="Petitbourg", population=900)
    hors = CommuneCouncillor.objects.create(
        commune=commune, first_name="Marie", last_name="Hors", email="marie.hors@example.fr"
    )
    CommuneCouncillor.objects.create(
        commune=commune, first_name="Paul", last_name="Parti", email="p@example.fr", active=False
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        listing = minutes.deliberations_publish(sitting=s, user=clerk)
    [copy] = CouncillorCopy.objects.filter(sitting=s, kind="list")
    assert (copy.councillor, copy.publication, copy.status) == (hors, listing, "sent")
    assert copy.due_at == CGCT_2026.councillor_copy_due("list", s.closed_at)
    assert copy.sent_at <= copy.due_at
    [message] = mail.outbox
    assert message.to == ["marie.hors@example.fr"]
    assert message.subject == f"Liste des délibérations\u00a0: {s.title}"
    assert message.attachments[0][0] == f"list-{s.pk}.pdf"

    minutes.minutes_sign(minutes=record, user=people[0].user)
    record = minutes.minutes_sign(minutes=record, user=people[1].user)
    with django_capture_on_commit_callbacks(execute=True):
        minutes.minutes_publish(minutes=record, user=clerk)
    [copy] = CouncillorCopy.objects.filter(sitting=s, kind="minutes")
    record.refresh_from_db()
    assert copy.due_at == CGCT_2026.councillor_copy_due("minutes", record.adopted_at)
    assert copy.due_at > record.adopted_at + datetime.timedelta(days=27)
    assert copy.status == "sent" and mail.outbox[-1].subject == f"Procès-verbal\u00a0: {s.title}"


def test_another_assemblys_clerk_cannot_see_or_resend_the_copies(client):
    a = epci()
    [c] = councillors(a, 1)
    s = f.sitting(a, notes=False)
    copy = CouncillorCopy.objects.create(
        sitting=s,
        councillor=c,
        kind="convocation",
        email=c.email,
        created_at=s.starts_at,
        due_at=s.starts_at,
        status="failed",
    )
    other = epci()
    client.force_login(f.staff(other))
    assert client.get(f"/clerk/sittings/{s.id}/deliveries/").status_code == 403
    url = f"/clerk/sittings/{s.id}/deliveries/copies/resend/"
    assert client.post(url, {"copy": copy.id}).status_code == 403
    # Their own sitting, another sitting's copy: not found, nothing sent.
    theirs = f.sitting(other, notes=False)
    response = client.post(
        f"/clerk/sittings/{theirs.id}/deliveries/copies/resend/", {"copy": copy.id}
    )
    assert response.status_code == 404
    response = client.post(f"/clerk/sittings/{theirs.id}/deliveries/copies/resend/", {"copy": "x"})
    assert response.status_code == 400 and "Choisissez la copie" in response.content.decode()
    copy.refresh_from_db()
    assert (copy.dispatch, copy.status) == (1, "failed")
    client.logout()
    assert client.post(url, {"copy": copy.id}).status_code == 302  # to the login page


def upload(text: str, name: str = "conseillers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def test_the_clerk_imports_the_councillors_from_a_csv(client):
    a = epci()
    grand, petit = a.communes.order_by("name")
    url = f"/clerk/assemblies/{a.id}/commune-councillors/"
    client.force_login(f.staff(a))
    csv_text = (
        "Commune;Prénom;Nom;Courriel\n"
        f"{petit.name};Anne;Durand;anne.durand@example.fr\n"
        f"{grand.name.upper()};Luc;Martin;\n"
    )
    response = client.post(url, {"file": upload(csv_text)}, follow=True)
    page = response.content.decode()
    assert "Conseillers ajoutés\u00a0: 2, mis à jour\u00a0: 0." in page
    assert "Anne Durand" in page and "anne.durand@example.fr" in page and "Luc Martin" in page
    # Again, with a new address: updated, not doubled.
    csv_text = f"commune,prenom,nom,courriel\n{petit.name},Anne,Durand,anne@example.fr\n"
    response = client.post(url, {"file": upload(csv_text)}, follow=True)
    assert "mis à jour\u00a0: 1." in response.content.decode()
    anne = CommuneCouncillor.objects.get(last_name="Durand")
    assert (anne.commune, anne.email) == (petit, "anne@example.fr")
    assert CommuneCouncillor.objects.filter(commune__assembly=a).count() == 2

    # One bad line and nothing is stored; every bad line is named.
    bad = (
        "commune;prénom;nom;courriel\n"
        f"{petit.name};Zoé;Neuve;zoe@example.fr\n"
        "Ailleurs;Jean;Autre;jean@example.fr\n"
        f"{petit.name};Paul;;\n"
        f"{petit.name};Rémi;Faux;pas-une-adresse\n"
    )
    response = client.post(url, {"file": upload(bad)})
    page = response.content.decode()
    assert response.status_code == 400 and "Rien n’a été importé" in page
    assert "ligne 3" in page and "Ailleurs" in page and "ligne 4" in page and "ligne 5" in page
    assert not CommuneCouncillor.objects.filter(last_name="Neuve").exists()
    response = client.post(url, {"file": upload("nom;courriel\nA;b@example.fr\n")})
    assert response.status_code == 400 and "prenom" in response.content.decode()
    latin1 = SimpleUploadedFile("c.csv", "commune;prénom\n".encode("latin-1"))
    response = client.post(url, {"file": latin1})
    assert response.status_code == 400 and "UTF-8" in response.content.decode()
    response = client.post(url, {})
    assert response.status_code == 400 and "Choisissez un fichier CSV" in response.content.decode()

    # Another assembly's clerk, and a commune's council.
    client.force_login(f.staff(epci()))
    assert client.post(url, {"file": upload(csv_text)}).status_code == 403
    assert client.get(url).status_code == 403
    commune_council = f.assembly(members=2, population=900)
    client.force_login(f.staff(commune_council))
    response = client.post(
        f"/clerk/assemblies/{commune_council.id}/commune-councillors/", {"file": upload(csv_text)}
    )
    assert response.status_code == 400 and "Seul un conseil communautaire" in (
        response.content.decode()
    )
