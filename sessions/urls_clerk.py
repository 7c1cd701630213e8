"""The clerk's pages, mounted at /clerk/."""

from django.urls import path

from .views import clerk, councillor_copies, minutes, prefecture, proposals, screen

urlpatterns = [
    path("", clerk.sitting_list, name="clerk-sittings"),
    path(
        "assemblies/<int:assembly_id>/sittings/new/",
        clerk.sitting_new,
        name="clerk-sitting-new",
    ),
    path("sittings/<int:sitting_id>/", clerk.sitting_edit, name="clerk-sitting"),
    path("sittings/<int:sitting_id>/items/", clerk.item_add, name="clerk-item-add"),
    path(
        "sittings/<int:sitting_id>/items/<int:item_id>/remove/",
        clerk.item_remove,
        name="clerk-item-remove",
    ),
    path(
        "sittings/<int:sitting_id>/items/<int:item_id>/documents/",
        clerk.document_attach,
        name="clerk-document-attach",
    ),
    path(
        "sittings/<int:sitting_id>/convocation/",
        clerk.convocation_preview,
        name="clerk-convocation",
    ),
    path("sittings/<int:sitting_id>/deliveries/", clerk.deliveries, name="clerk-deliveries"),
    path(
        "sittings/<int:sitting_id>/deliveries/resend/",
        clerk.delivery_resend,
        name="clerk-delivery-resend",
    ),
    path(
        "sittings/<int:sitting_id>/deliveries/copies/resend/",
        councillor_copies.councillor_copy_resend,
        name="clerk-copy-resend",
    ),
    path("assemblies/<int:assembly_id>/screens/", screen.screens, name="clerk-screens"),
    path(
        "assemblies/<int:assembly_id>/commune-councillors/",
        councillor_copies.commune_councillors,
        name="clerk-commune-councillors",
    ),
    path(
        "assemblies/<int:assembly_id>/screens/<int:screen_id>/revoke/",
        screen.screen_revoke_view,
        name="clerk-screen-revoke",
    ),
    path("sittings/<int:sitting_id>/proposals/", proposals.proposals_page, name="clerk-proposals"),
    path(
        "sittings/<int:sitting_id>/proposals/<int:proposal_id>/<slug:decision>/",
        proposals.proposal_decide,
        name="clerk-proposal-decide",
    ),
    path("sittings/<int:sitting_id>/minutes/", minutes.minutes_page, name="clerk-minutes"),
    path(
        "sittings/<int:sitting_id>/minutes/<slug:action>/",
        minutes.minutes_action,
        name="clerk-minutes-action",
    ),
    path(
        "sittings/<int:sitting_id>/prefecture/", prefecture.prefecture_page, name="clerk-prefecture"
    ),
    path(
        "sittings/<int:sitting_id>/prefecture/<int:transmission_id>/retry/",
        prefecture.prefecture_retry,
        name="clerk-prefecture-retry",
    ),
    path(
        "sittings/<int:sitting_id>/items/<int:item_id>/matter/",
        prefecture.item_matter,
        name="clerk-item-matter",
    ),
]
