"""Qualification records (資格得喪): persons, households, qualification periods and the rules that decide them."""
