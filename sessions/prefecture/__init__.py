"""Transmission of the acts to the prefecture (contrôle de légalité) through S²LOW."""
