"""Printed documents (PDF, through reportlab), drawn with the shipped Chinese font. No Qt here."""
