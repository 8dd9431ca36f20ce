#!/usr/bin/env bash
# The peer of `mynaq elig watch`: what IT would script with Debian tools — per face file,
# xmllint pulls the fields and sqlite3 inserts a row. Usage: peer_intake.sh FACE_DIR DB
set -euo pipefail
face=$1 db=$2
sqlite3 "$db" "CREATE TABLE IF NOT EXISTS checks(file TEXT UNIQUE, name TEXT, insurer TEXT,
  number TEXT, validity TEXT);"
for f in "$face"/OQSsiquc01res_face_*.xml; do
  name=$(xmllint --xpath 'string(//Name)' "$f")
  insurer=$(xmllint --xpath 'string(//InsurerNumber)' "$f")
  number=$(xmllint --xpath 'string(//InsuredIdentificationNumber)' "$f")
  validity=$(xmllint --xpath 'string(//QualificationValidity)' "$f")
  sqlite3 "$db" "INSERT OR IGNORE INTO checks VALUES('$(basename "$f")','$name','$insurer',
    '$number','$validity');"
done
