"""Hemma – hospital care at home (sjukhusvård i hemmet) for Swedish regions and municipalities."""
