from django.urls import path

from .views import archive, councillor_copies, live, public, screen, search
from .views import sittings as my_sittings
from .views.proposals import proposal_submit

urlpatterns = [
    path("sittings/<int:sitting_id>/", public.sitting_public, name="sitting-public"),
    path(
        "sittings/<int:sitting_id>/convocation.pdf", public.convocation_pdf, name="convocation-pdf"
    ),
    path(
        "sittings/<int:sitting_id>/convocation/", public.convocation_page, name="convocation-page"
    ),
    path("convocations/ack/<str:token>/", public.convocation_ack, name="convocation-ack"),
    path(
        "copies/ack/<str:token>/", councillor_copies.councillor_copy_ack, name="councillor-copy-ack"
    ),
    path("documents/<int:document_id>/", live.document_download, name="document-download"),
    path("chair/sittings/<int:sitting_id>/", live.chair_dashboard, name="chair-dashboard"),
    path("roll/sittings/<int:sitting_id>/", live.roll, name="roll"),
    path("seat/sittings/<int:sitting_id>/", live.seat, name="seat"),
    path("seat/sittings/<int:sitting_id>/proxy/", live.seat_proxy_give, name="seat-proxy-give"),
    path("seat/proxies/<int:proxy_id>/revoke/", live.seat_proxy_revoke, name="seat-proxy-revoke"),
    path("seat/sittings/<int:sitting_id>/propose/", proposal_submit, name="seat-propose"),
    path("my/sittings/", my_sittings.my_sittings, name="my-sittings"),
    path("screen/<str:token>/", screen.screen_page, name="screen"),
    path("proxies/<int:proxy_id>/document/", live.proxy_document, name="proxy-document"),
    path("archive/", archive.archive_index, name="archive"),
    path("archive/search/", search.archive_search, name="archive-search"),
    path("archive/sittings/<int:sitting_id>/", archive.archive_sitting, name="archive-sitting"),
    path(
        "archive/publications/<int:publication_id>.pdf",
        archive.publication_pdf,
        name="publication-pdf",
    ),
    path(
        "archive/publications/<int:publication_id>.tsr",
        archive.publication_timestamp,
        name="publication-timestamp",
    ),
    path(
        "archive/publications/<int:publication_id>/",
        archive.publication_page,
        name="publication-page",
    ),
    path("archive/<slug:slug>/", archive.archive_assembly, name="archive-assembly"),
    path(
        "archive/<slug:slug>/deliberations.csv",
        archive.deliberations_csv,
        name="deliberations-csv",
    ),
]
