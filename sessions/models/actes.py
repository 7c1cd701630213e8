"""The ACTES nomenclature's first two levels, used to classify deliberations.

SCDL "Délibérations" 2.1 wants the level-2 code (`DELIB_MATIERE_CODE`) and the name
made of the level-1 and level-2 titles, lower case, separated by a slash
(`DELIB_MATIERE_NOM`).
"""

from __future__ import annotations

LEVEL_1 = {
    "1": "commande publique",
    "2": "urbanisme",
    "3": "domaine et patrimoine",
    "4": "fonction publique",
    "5": "institutions et vie politique",
    "6": "libertés publiques et pouvoirs de police",
    "7": "finances locales",
    "8": "domaines de compétences par thèmes",
    "9": "autres domaines de compétences",
}

LEVEL_2 = {
    "1.1": "marchés publics",
    "1.2": "délégation de service public",
    "1.3": "conventions de mandat",
    "1.4": "autres types de contrats",
    "1.5": "transactions protocole d'accord transactionnel",
    "1.6": "actes relatifs à la maîtrise d'oeuvre",
    "1.7": "actes spéciaux et divers",
    "2.1": "documents d'urbanisme",
    "2.2": "actes relatifs au droit d'occupation ou d'utilisation des sols",
    "2.3": "droit de préemption urbain",
    "3.1": "acquisitions",
    "3.2": "aliénations",
    "3.3": "locations",
    "3.4": "limites territoriales",
    "3.5": "actes de gestion du domaine public",
    "3.6": "actes de gestion du domaine privé",
    "4.1": "personnels titulaires et stagiaires de la fpt",
    "4.2": "personnels contractuels",
    "4.3": "fonction publique hospitalière",
    "4.4": "autres catégories de personnels",
    "4.5": "régime indemnitaire",
    "5.1": "election exécutif",
    "5.2": "fonctionnement des assemblées",
    "5.3": "désignation de représentants",
    "5.4": "délégation de fonctions",
    "5.5": "délégation de signature",
    "5.6": "exercice des mandats locaux",
    "5.7": "intercommunalité",
    "5.8": "décision d'ester en justice",
    "6.1": "police municipale",
    "6.2": "pouvoirs du président du conseil général",
    "6.3": "pouvoirs du président du conseil régional",
    "6.4": "autres actes réglementaires",
    "6.5": "actes pris au nom de l'etat",
    "7.1": "décisions budgétaires",
    "7.2": "fiscalité",
    "7.3": "emprunts",
    "7.4": "interventions économiques",
    "7.5": "subventions",
    "7.6": "contributions budgétaires",
    "7.7": "avances",
    "7.8": "fonds de concours",
    "7.9": "prise de participation",
    "7.10": "divers",
    "8.1": "enseignement",
    "8.2": "aide sociale",
    "8.3": "voirie",
    "8.4": "aménagement du territoire",
    "8.5": "politique de la ville-habitat-logement",
    "8.6": "emploi-formation professionnelle",
    "8.7": "transports",
    "8.8": "environnement",
    "8.9": "culture",
    "9.1": "autres domaines de compétences des communes",
    "9.2": "autres domaines de compétences des départements",
    "9.3": "autres domaines de compétences des régions",
    "9.4": "voeux et motions",
}

CHOICES = [(code, f"{code} {name}") for code, name in LEVEL_2.items()]

# The matter of an item whose kind says it all, when the clerk chose none.
BY_ITEM_KIND = {
    "election": "5.1",
    "nomination": "5.3",
    "budget": "7.1",
    "accounts": "7.1",
    "minutes": "5.2",
}


def matter_name(code: str) -> str:
    """`DELIB_MATIERE_NOM` for an ACTES code: 'level 1/level 2'."""
    return f"{LEVEL_1[code.split('.')[0]]}/{LEVEL_2[code]}"
