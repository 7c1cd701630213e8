"""R31, R34: each published act (the minutes, the list of deliberations, each deliberation,
the convocation) has an accessible page beside its PDF, made from the same words: the page
says what the PDF says, word for word, carries the PDF's SHA-256 and the vote log's hashes,
and is linked beside the PDF in the archive. What the PDF itself claims for a screen reader
(its language and title; no tags, which open-source ReportLab does not write) is read back
from the produced file."""

from __future__ import annotations

import hashlib
import io
import re

import lxml.html
import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from sessions.models import Publication
from tests import factories as f
from tests.sessions.accessible_acts_cases import HOSTILE, hostile_convocation, published
from tests.sessions.minutes_cases import adopted_minutes, held_sitting

pytestmark = pytest.mark.django_db


def words(text: str) -> list[str]:
    """The words of a text, in order: split on any space (a non-breaking one too), the
    tokens with no letter or digit (a list's bullet) left out."""
    return [w for w in text.split() if re.search(r"\w", w)]


def pdf_words(data: bytes) -> list[str]:
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def page_words(html: str) -> list[str]:
    """The words of the page's act (its <article>), without the tables' captions, which
    only the page has (the PDF's table follows its heading)."""
    article = lxml.html.fromstring(html).xpath("//article[@data-testid='act']")[0]
    for caption in article.xpath(".//caption"):
        caption.drop_tree()
    for element in article.iter():
        element.tail = " " + (element.tail or "")
    return words(article.text_content())


def check_page(client: Client, url: str, pdf_url: str, sha256: str) -> str:
    """The page says the PDF's words, carries its hash and links to it; the PDF served is
    the one the hash names."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    served = b"".join(client.get(pdf_url).streaming_content)
    assert hashlib.sha256(served).hexdigest() == sha256
    assert page_words(html) == pdf_words(served)
    page = lxml.html.fromstring(html)
    assert page.xpath("//*[@data-testid='act-sha256']")[0].text_content() == sha256
    assert page.xpath("//a[@data-testid='act-pdf']/@href") == [pdf_url]
    assert page.xpath("//article/@lang") == ["fr"]
    return html


def test_each_published_act_has_a_page_with_the_words_and_hash_of_its_pdf(client):
    with translation.override("fr"):
        s, people, clerk, record = adopted_minutes()
        acts = published(s, people, clerk, record)
    archive = client.get(f"/archive/sittings/{s.pk}/").content.decode()
    public = client.get(f"/sittings/{s.pk}/").content.decode()  # the sitting's record
    for name, act in acts.items():
        if name.startswith("deliberation"):
            assert f'href="/archive/publications/{act.pk}/"' in public, name
        url, pdf_url = f"/archive/publications/{act.pk}/", f"/archive/publications/{act.pk}.pdf"
        assert f'href="{url}"' in archive, f"{name}: no link beside its PDF in the archive"
        html = check_page(client, url, pdf_url, act.sha256)
        assert "<h1>" in html and "<h3>" not in html.split("<h2>")[0], name  # no level skipped
        if name.startswith("deliberation"):  # R31: the hash of its vote's close
            anchor = act.content["blocks"][-3]["text"]
            assert re.fullmatch(r"[0-9a-f]{64}", anchor) and anchor in html
    listing = lxml.html.fromstring(client.get(f"/archive/publications/{acts['list'].pk}/").content)
    assert listing.xpath("//table/caption") and listing.xpath("//thead//th[@scope='col']")
    assert [t.text for t in listing.xpath("//tbody/tr/th[@scope='row']")] == [
        d.identifier for d in s.deliberations.order_by("number")
    ]
    head = acts["minutes"].content["blocks"][-3]["text"]  # the vote log's head (R31)
    assert head in client.get(f"/archive/publications/{acts['minutes'].pk}/").content.decode()


def test_the_convocation_page_keeps_a_hostile_title_as_text(client):
    with translation.override("fr"):
        convocation = hostile_convocation()
    s = convocation.sitting
    url, pdf_url = f"/sittings/{s.pk}/convocation/", f"/sittings/{s.pk}/convocation.pdf"
    html = check_page(client, url, pdf_url, convocation.pdf_sha256)
    assert "<script>alert" not in html and "<img src=/etc" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Gras" in html
    items = lxml.html.fromstring(html).xpath("//article//li")
    assert items[1].text_content().startswith(f"2. {HOSTILE}")
    for page in (f"/sittings/{s.pk}/", f"/archive/sittings/{s.pk}/"):
        assert f'href="{url}"' in client.get(page).content.decode(), page


def test_the_pdfs_claim_their_language_and_title_and_no_tags():
    """What a screen reader gets from the PDF itself: /Lang and the title (shown instead of
    the file name). Open-source ReportLab writes no structure tree: no /StructTreeRoot, no
    /MarkInfo /Marked, so the PDF is not tagged and the accessible page is the way in."""
    with translation.override("fr"):
        s, people, clerk, record = adopted_minutes()
        acts = published(s, people, clerk, record)
        convocation = hostile_convocation()
    files = {n: a.document.open("rb").read() for n, a in acts.items()}
    files["convocation"] = convocation.pdf.open("rb").read()
    titles = {n: a.content["title"] for n, a in acts.items()}
    titles["convocation"] = convocation.content["title"]
    for name, data in files.items():
        reader = PdfReader(io.BytesIO(data))
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "fr", name
        assert reader.metadata.title == titles[name], name
        assert "/StructTreeRoot" not in root and "/MarkInfo" not in root, name
        assert all("/StructParents" not in page for page in reader.pages), name


def test_acts_not_published_have_no_page(client):
    with translation.override("fr"):
        s, _people, _clerk = held_sitting()  # closed, its deliberations not yet online
        draft = f.sitting(s.assembly, items=1)
    archive = client.get(f"/archive/sittings/{s.pk}/").content.decode()
    assert "/archive/publications/" not in archive
    last = Publication.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert client.get(f"/archive/publications/{last + 1}/").status_code == 404
    assert client.get(f"/sittings/{draft.pk}/convocation/").status_code == 404
    assert client.get("/sittings/999999/convocation/").status_code == 404


def test_an_act_published_before_the_pages_has_none(client):
    """An act stored without its words (published before this page existed): 404, and the
    archive shows its PDF without a link to a page it cannot make."""
    with translation.override("fr"):
        s, people, clerk, record = adopted_minutes()
        acts = published(s, people, clerk, record)
    Publication.objects.filter(pk=acts["minutes"].pk).update(content={})
    assert client.get(f"/archive/publications/{acts['minutes'].pk}/").status_code == 404
    archive = client.get(f"/archive/sittings/{s.pk}/").content.decode()
    assert f'href="/archive/publications/{acts["minutes"].pk}.pdf"' in archive
    assert f'href="/archive/publications/{acts["minutes"].pk}/"' not in archive
