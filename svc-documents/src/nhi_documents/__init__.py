"""Certificates, notices, slips, application forms and lists as PDF and CSV."""
