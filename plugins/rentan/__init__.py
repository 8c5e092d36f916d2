"""rentan: the data warehouse of Kota Bekasi's vulnerable-worker BPJS programme."""
