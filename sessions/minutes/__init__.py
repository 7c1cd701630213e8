"""Minutes (procès-verbal), deliberations, their publication and open data (R28-R32)."""
