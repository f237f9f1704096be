"""The only code that reads AWS for evaluation: clients, errors, the inventory, zones, parsers.

Reads become a plain snapshot (:mod:`remediation.model`); nothing here decides anything.
"""
