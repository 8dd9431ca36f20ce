-- Fills a migrated mynaq store with a year of checks at ten sites, with the receipts and a few
-- notified rates: the data `mynaq report usage` reads. Deterministic (no random()), so every
-- run measures the same file. Parameters come from the temp table bench_params (see run.sh):
-- n = checks, persons = persons per site.
--
-- Shape: the checks are spread evenly over 2026-01 … 2026-12 in id order (as a store fills
-- day by day), 08:30–18:00 JST. Each month a site draws its patients from a window of 3,000
-- of its persons that moves on by 2,500 a month, so most come back several times a month and
-- the year goes round the whole pool. Methods ~75 % card, ~5 % smartphone, ~20 % certificate;
-- person_state 'ok' for ~97 %. 4 % of persons have no 被保険者番号 (the key falls back to
-- birthdate and kana name). person_key follows usage_person_key() (lib/store) word for word.
BEGIN;

CREATE TEMP TABLE bench_sites (s INTEGER PRIMARY KEY, code TEXT NOT NULL);
INSERT INTO bench_sites (s, code)
VALUES (0, '1310000011'), (1, '1310000029'), (2, '1310000037'), (3, '1310000045'),
       (4, '1310000052'), (5, '1310000060'), (6, '1310000078'), (7, '1310000086'),
       (8, '1310000094'), (9, '1310000102');

WITH RECURSIVE
    seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < (SELECT n FROM bench_params)),
    -- Two 32-bit hashes of the row number (multiplicative, products stay below 2^63).
    h AS (SELECT i, (i * 2654435761 + 40503) % 4294967296 AS a FROM seq),
    r AS (SELECT i, a, (a * 1103515245 + 12345) % 4294967296 AS b FROM h),
    t AS (
        SELECT i, a, b,
               i * 12 / (SELECT n FROM bench_params) AS m0,                        -- 0 … 11
               i * 12.0 / (SELECT n FROM bench_params) - i * 12 / (SELECT n FROM bench_params) AS f
        FROM r),
    d AS (
        SELECT t.*,
               CAST(strftime('%d', printf('2026-%02d-01', m0 + 1), '+1 month', '-1 day')
                    AS INTEGER) AS days
        FROM t),
    c AS (
        SELECT i, a, b, m0,
               (a / 16) % 10 AS s,
               ((m0 * 2500 + (b / 256) % 3000) % (SELECT persons FROM bench_params)) AS p,
               1 + CAST(f * days AS INTEGER) AS day,
               30600 + CAST((f * days - CAST(f * days AS INTEGER)) * 34200 AS INTEGER) AS tod,
               (a / 4096) % 100 AS mr,
               (b / 65536) % 100 AS sr
        FROM d),
    p AS (
        SELECT c.*, s * (SELECT persons FROM bench_params) + p AS g FROM c),
    v AS (
        SELECT printf('2026-%02d-%02dT%02d:%02d:%02d+09:00', m0 + 1, day, tod / 3600,
                      tod / 60 % 60, tod % 60) AS checked_at,
               (SELECT code FROM bench_sites WHERE bench_sites.s = p.s) AS facility,
               CASE WHEN mr < 75 THEN 'card' WHEN mr < 80 THEN 'smartphone'
                    ELSE 'certificate' END AS method,
               CASE WHEN sr < 97 THEN 'ok' ELSE 'error' END AS person_state,
               printf('%08d', 6130000 + (g % 197) * 101) AS insurer_number,
               printf('%d', 1000 + g * 37 % 9000) AS card_symbol,
               CASE WHEN g % 25 = 0 THEN '' ELSE printf('%d', 100000 + g) END
                   AS identification_number,
               CASE WHEN g % 3 = 0 THEN '01' ELSE '00' END AS branch_number,
               strftime('%Y%m%d', '1940-01-01', '+' || (g * 7919 % 29000) || ' days') AS birthdate,
               substr('ヤマダサトウスズキタナカイトウ', 1 + 3 * (g % 5), 3) || ' '
                   || substr('タロウハナコジロウユウキサクラ', 1 + 3 * (g / 5 % 5), 3)
                   || substr('アイウエオカキクケコ', 1 + g / 25 % 10, 1) AS name_kana
        FROM p)
INSERT INTO checks (checked_at, facility, method, person_state, insurer_number, card_symbol,
                    identification_number, branch_number, birthdate, name_kana, person_key)
SELECT checked_at, facility, method, person_state, insurer_number, card_symbol,
       identification_number, branch_number, birthdate, name_kana,
       CASE WHEN person_state <> 'ok' THEN ''
            WHEN identification_number <> '' THEN 'ins:' || insurer_number || '/' || card_symbol
                 || '/' || identification_number || '/' || branch_number
            WHEN birthdate <> '' AND name_kana <> '' THEN 'kana:' || birthdate || '/' || name_kana
            ELSE '' END
FROM v;

-- レセプト件数 for every site and month, entered by staff; a bit above the month's users.
WITH RECURSIVE months(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM months WHERE m < 12)
INSERT INTO report_receipts (site, month, receipts, source, updated_at, updated_by)
SELECT code, printf('2026-%02d', m), 4200 + (s * 131 + m * 57) % 900, 'set',
       printf('2026-%02d-10T09:00:00+09:00', m), 'bench'
FROM bench_sites, months;

-- 支払基金's rates for the first quarter.
WITH RECURSIVE months(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM months WHERE m < 3)
INSERT INTO report_notified (site, month, percent, source, updated_at, updated_by)
SELECT code, printf('2026-%02d', m), 55.0 + (s * 7 + m * 3) % 20 / 2.0, 'set',
       printf('2026-%02d-20T09:00:00+09:00', m + 2), 'bench'
FROM bench_sites, months;

COMMIT;
