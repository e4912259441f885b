"""A reproducible synthetic population of licence holders in Central Java, for the site's registry copy, the
simulation and the tests: names, NIKs consistent with birth date and sex, addresses, SIM numbers in the older
12-14 digit form and the NIK-based form, classes and issue dates (some expired, some about to expire).
Pure: a seed in, holders out."""

from __future__ import annotations

import random
from datetime import date, timedelta

from flows import nik as niks
from flows.card import five_years_on
from flows.documents import NIK_NUMBERS_SINCE, Holder

#: Regency/city code (within province 33, Jawa Tengah) -> name.
REGENCIES: dict[str, str] = {
    "25": "Batang",
    "13": "Karanganyar",
    "26": "Pekalongan",
    "27": "Pemalang",
    "28": "Tegal",
    "29": "Brebes",
    "11": "Sukoharjo",
    "09": "Boyolali",
    "10": "Klaten",
    "14": "Sragen",
    "12": "Wonogiri",
    "74": "Kota Semarang",
    "75": "Kota Pekalongan",
    "72": "Kota Surakarta",
    "22": "Semarang",
    "24": "Kendal",
}
MALE = (
    "Agus",
    "Budi",
    "Slamet",
    "Joko",
    "Bambang",
    "Eko",
    "Wahyu",
    "Teguh",
    "Sugeng",
    "Hadi",
    "Yusuf",
    "Rizky",
    "Dimas",
    "Fajar",
    "Ahmad",
    "Bayu",
    "Hendra",
    "Iwan",
    "Purnomo",
    "Sutrisno",
)
FEMALE = (
    "Sri",
    "Siti",
    "Dewi",
    "Rina",
    "Endang",
    "Wulan",
    "Ayu",
    "Fitri",
    "Lestari",
    "Nur",
    "Indah",
    "Rahayu",
    "Tri",
    "Yuni",
    "Ratna",
    "Puji",
    "Anisa",
    "Dian",
    "Ika",
    "Putri",
)
FAMILY = (
    "Santoso",
    "Wibowo",
    "Susanto",
    "Prasetyo",
    "Hidayat",
    "Setiawan",
    "Nugroho",
    "Kurniawan",
    "Wijaya",
    "Saputra",
    "Utomo",
    "Handayani",
    "Lestari",
    "Rahmawati",
    "Purwanto",
    "Suryani",
    "Hartono",
    "Mulyono",
)
STREETS = (
    "Jl. Gajah Mada",
    "Jl. Diponegoro",
    "Jl. Sudirman",
    "Jl. Ahmad Yani",
    "Jl. Veteran",
    "Jl. Pemuda",
    "Jl. Kartini",
    "Jl. Slamet Riyadi",
    "Jl. Merdeka",
    "Jl. Pahlawan",
)
OCCUPATIONS = (
    "Karyawan Swasta",
    "Wiraswasta",
    "Petani",
    "PNS",
    "Pelajar/Mahasiswa",
    "Pedagang",
    "Guru",
    "Buruh",
    "Ibu Rumah Tangga",
    "Sopir",
    "Nelayan",
    "TNI/Polri",
)
BLOOD = ("A", "B", "AB", "O", "-")
CLASSES = (("A", 0.45), ("C", 0.45), ("C I", 0.07), ("C II", 0.03))
NIK_BASED_SINCE = NIK_NUMBERS_SINCE  # SIM numbers equal to the holder's NIK for cards issued from mid-2024


def holders(count: int, seed: int, today: date) -> list[Holder]:
    """`count` holders; about 10% with an expired SIM, about 10% expiring within 30 days of `today`."""
    rng = random.Random(seed)
    out: list[Holder] = []
    used: set[str] = set()
    while len(out) < count:
        female = rng.random() < 0.45
        birth = date(1955, 1, 1) + timedelta(
            days=rng.randrange(0, (date(today.year - 18, 1, 1) - date(1955, 1, 1)).days)
        )
        regency = rng.choice(list(REGENCIES))
        district = f"{rng.randint(1, 20):02d}"
        nik = niks.make("33", regency, district, birth, female, rng.randint(1, 9999))
        if nik in used:
            continue
        used.add(nik)
        roll = rng.random()
        if roll < 0.10:  # expired: issued more than five years ago
            issued = today - timedelta(days=5 * 365 + rng.randint(2, 700))
        elif roll < 0.20:  # expiring within 30 days
            issued = today - timedelta(days=5 * 365 - rng.randint(0, 28))
        else:
            issued = today - timedelta(days=rng.randint(30, 5 * 365 - 40))
        expires = five_years_on(issued)
        if issued >= NIK_BASED_SINCE:
            number = nik
        else:
            number = str(rng.randint(10 ** (rng.choice((11, 12, 13))), 10**14 - 1))[: rng.choice((12, 13, 14))]
        sim_class = rng.choices([c for c, _ in CLASSES], [w for _, w in CLASSES])[0]
        given = rng.choice(FEMALE if female else MALE)
        out.append(
            Holder(
                sim_number=number,
                nik=nik,
                name=f"{given} {rng.choice(FAMILY)}".upper(),
                birth_place=REGENCIES[regency].removeprefix("Kota ").upper(),
                birth_date=birth,
                sex="P" if female else "L",
                blood=rng.choice(BLOOD),
                address=f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}, {REGENCIES[regency]}",
                occupation=rng.choice(OCCUPATIONS),
                sim_class=sim_class,
                issued=issued,
                expires=expires,
                bpjs_active=rng.random() < 0.9,
            )
        )
    return out


def certificates(rng: random.Random, today: date, max_days: int, stale: bool = False) -> dict[str, str]:
    """The health and psychology certificates a driver brings: recent, or (stale) too old."""
    age = rng.randint(max_days + 1, max_days + 200) if stale else rng.randint(0, max(0, max_days - 1))
    health_day = today - timedelta(days=age)
    psych_day = today - timedelta(days=rng.randint(0, max(0, max_days - 1)))
    return {
        "health_no": f"SKS/{rng.randint(100, 99999):05d}/RIKKES/{health_day.year}",
        "health_date": health_day.isoformat(),
        "psych_no": f"PSI/{rng.randint(100, 99999):05d}/BTG/{psych_day.year}",
        "psych_date": psych_day.isoformat(),
    }
