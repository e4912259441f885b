"""The report's words in Bahasa Indonesia (the default) and English (`lane report --lang en`): the text tables,
the HTML page and its charts, and the CSV's table names and headers. `Words(lang)(key, **values)` gives a text;
`csv_key` turns a CSV header or table name of either language back into its key, so that a script reads a CSV
in either language the same way. `title`, `rules` and `headline` are the lines every form of the report opens
with. No I/O.
"""

from __future__ import annotations

from lane.report.model import Report, mmss, share

LANGS = ("id", "en")

#: key -> (Bahasa Indonesia, English). `{name}` fields are filled by `Words.__call__`.
TEXT: dict[str, tuple[str, str]] = {
    "title": ("{site}: {first} s.d. {last} ({zone}), {lanes}; target {target} menit; {who}; dibuat {made}",
              "{site}: {first} to {last} ({zone}), {lanes}; target {target} min; {who}; made {made}"),
    "all_lanes": ("semua lajur", "all lanes"),
    "masked": ("nama dan NIK disamarkan", "names and NIKs masked"),
    "shown": ("nama dan NIK DITAMPILKAN", "names and NIKs SHOWN"),
    "shown_long": ("Nama dan NIK ditampilkan: laporan ini memuat data pribadi.",
                   "Names and NIKs are shown: this report holds personal data."),
    "masked_long": ("Nama dan NIK disamarkan.", "Names and NIKs are masked."),
    "heading": ("{site}: perpanjangan SIM {first} s.d. {last}", "{site}: renewals {first} to {last}"),
    "rules_title": ("Yang dihitung", "What is counted"),
    "rules": (
        "Satu siklus = satu kendaraan yang masuk lajur (loop masuk), dihitung pada hari dan jam ia masuk lajur "
        "(waktu setempat). Waktu total = tunggu (masuk antrean s.d. masuk lajur) + layanan (masuk lajur s.d. "
        "keluar), atas perpanjangan yang selesai; yang ditolak, dibatalkan, ditinggalkan atau masih terbuka hanya "
        "dihitung jumlahnya. Perpanjangan selesai tanpa catatan antrean: {unqueued}; waktu totalnya dihitung "
        "sebagai waktu layanannya saja (batas bawah). Tidak dihitung sama sekali: kendaraan uji (pelat dalam "
        "report.test_plates di berkas situs): {tests} siklus.",
        "A cycle is one vehicle that entered a lane (its entry loop), counted on the day and hour it entered the "
        "lane (site time). Total time = wait (joining the queue to entering the lane) + service (entering the lane "
        "to leaving it), over the completed renewals; rejected, aborted, abandoned and still open cycles are only "
        "counted. Completed renewals with no queue entry: {unqueued}; their total time is taken as their service "
        "time alone (a lower bound). Left out altogether: test vehicles (plates in the site file's "
        "report.test_plates): {tests} cycles.",
    ),
    "empty": ("Tidak ada siklus dari {first} s.d. {last}. Basis data memuat siklus dari {held_first} s.d. {held_last}.",
              "No cycles from {first} to {last}. The database holds cycles from {held_first} to {held_last}."),
    "empty_none": ("Tidak ada siklus dari {first} s.d. {last}. Basis data belum memuat satu siklus pun.",
                   "No cycles from {first} to {last}. The database holds no cycle at all."),
    "headline": ("Kendaraan: {cars}   selesai: {completed}   waktu total: median {median}, p90 {p90}, "
                 "target {target} menit tercapai {met}   tunggu: median {wait}, p90 {wait90}   layanan: median "
                 "{service}, p90 {service90}   batal antre: {balk}   keluar antrean: {renege}",
                 "Cars: {cars}   completed: {completed}   total time: median {median}, p90 {p90}, {target}-minute "
                 "goal met {met}   wait: median {wait}, p90 {wait90}   service: median {service}, p90 {service90}"
                 "   balked: {balk}   reneged: {renege}"),
    "by_lane": ("Per lajur, berdampingan", "Lanes side by side"),
    "by_day": ("Per hari (waktu setempat)", "By day (site time)"),
    "by_week": ("Per minggu (ISO)", "By week (ISO)"),
    "by_month": ("Per bulan (waktu setempat)", "By month (site time)"),
    "by_hour": ("Per jam (waktu setempat, seluruh periode)", "By hour of the day (site time, whole period)"),
    "by_daypart": ("Per bagian hari", "By daypart"),
    "outside": ("di luar bagian hari", "outside the dayparts"),
    "days_in_files": ("({days} hari: per hari di --csv dan --html)", "({days} days: by day in --csv and --html)"),
    "stages": ("Median tiap tahap terhadap anggaran waktu (perpanjangan selesai; rejected: jalan keluar)",
               "Stage medians against budgets (completed renewals; rejected: way out)"),
    "slowest": ("{n} siklus terlama (waktu total)", "Slowest {n} cycles (total time)"),
    "fastest": ("{n} perpanjangan tercepat (waktu total)", "Fastest {n} renewals (total time)"),
    "queue": ("Kejadian antrean per pendekat", "Queue events by approach"),
    "reasons": ("Alasan penolakan dan pembatalan", "Reject and abort reasons"),
    "faults": ("Gangguan perangkat", "Device faults"),
    "overrides": ("Tindakan operator (selain confirm)", "Operator overrides (every action but confirm)"),
    "manual": ("Kuitansi manual, disetujui supervisor: {n}", "Manual receipts, approved by a supervisor: {n}"),
    "chains": ("Ujung rantai audit (periksa nanti: lane audit verify --head HASH)",
               "Audit chain heads (check later: lane audit verify --head HASH)"),
    "none": ("tidak ada pada periode ini", "none in this period"),
    # column heads
    "cars": ("kendaraan", "cars"),
    "completed": ("selesai", "completed"),
    "rejected": ("ditolak", "rejected"),
    "aborted": ("dibatalkan", "aborted"),
    "abandoned": ("ditinggalkan", "abandoned"),
    "open": ("terbuka", "open"),
    "other": ("lainnya", "other"),
    "total_median": ("total median", "total median"),
    "total_p90": ("total p90", "total p90"),
    "goal_met": ("< {target} mnt", "< {target} min"),
    "wait_median": ("tunggu median", "wait median"),
    "wait_p90": ("tunggu p90", "wait p90"),
    "service_median": ("layanan median", "service median"),
    "service_p90": ("layanan p90", "service p90"),
    "no_queue": ("tanpa antrean", "no queue entry"),
    "stage": ("tahap", "stage"),
    "cycle": ("siklus", "cycle"),
    "lane": ("lajur", "lane"),
    "started": ("masuk lajur", "entered lane"),
    "wait": ("tunggu", "wait"),
    "service": ("layanan", "service"),
    "total": ("total", "total"),
    "outcome": ("hasil", "outcome"),
    "plate": ("pelat", "plate"),
    "holder": ("pemegang", "holder"),
    "nik": ("NIK", "NIK"),
    "stages_col": ("tahap-tahap", "stages"),
    "reason": ("alasan", "reason"),
    "receipt": ("kuitansi", "receipt"),
    "approved_by": ("disetujui oleh", "approved by"),
    "site": ("situs", "site"),
    "entered": ("masuk lajur", "started"),
    "count": ("jumlah", "count"),
    "device": ("perangkat", "device"),
    "kind": ("jenis", "kind"),
    "cause": ("penyebab", "cause"),
    "last": ("terakhir", "last"),
    "action": ("tindakan", "action"),
    "result": ("hasil", "result"),
    "operators": ("operator", "operators"),
    "lanes": ("lajur", "lanes"),
    "approach": ("pendekat", "approach"),
    "join": ("masuk antrean", "joined"),
    "balk": ("batal antre (penuh)", "balked (full)"),
    "renege": ("keluar antrean", "reneged"),
    "assign": ("diarahkan ke lajur", "assigned a lane"),
    "miss": ("terlewat detektor", "missed by the detector"),
    "double": ("terhitung dua kali", "counted twice"),
    "table": ("tabel", "table"),
    "rows": ("baris", "rows"),
    "head_row": ("baris ujung", "head row"),
    "hash": ("hash", "hash"),
    # tiles and charts
    "tile_total": ("median waktu total", "median total time"),
    "tile_p90": ("p90 waktu total", "90th percentile, total"),
    "tile_met": ("di bawah {target} menit", "under {target} min"),
    "tile_wait": ("median tunggu", "median wait"),
    "tile_service": ("median layanan", "median service"),
    "chart_hist": ("Waktu total", "Total time"),
    "chart_hist_axis": ("waktu total (tunggu + layanan), menit; perpanjangan selesai; batang terakhir: lebih lama",
                        "total time (wait + service), minutes; completed renewals; last bar: longer"),
    "goal_label": ("target {target} menit", "goal {target} min"),
    "chart_stage": ("Rincian tahap", "Stage breakdown"),
    "chart_stage_axis": ("median waktu tiap tahap; garis hitam: anggarannya",
                         "median time in each stage; black tick: its budget"),
    "chart_hour": ("Volume per jam", "Volume by hour"),
    "chart_hour_axis": ("siklus yang mulai tiap jam (waktu setempat): selesai, dan ditolak / dibatalkan / lainnya",
                        "cycles started in each hour (site time): completed, and rejected / aborted / other on top"),
    "chart_share": ("Bagian di bawah {target} menit per hari", "Share under {target} minutes by day"),
    "chart_share_axis": ("bagian perpanjangan selesai tiap hari dengan waktu total di bawah {target} menit",
                         "share of each day's completed renewals with a total time under {target} min"),
    "chart_trend_day": ("Tren harian waktu total", "Daily trend of total time"),
    "chart_trend_week": ("Tren mingguan waktu total", "Weekly trend of total time"),
    "chart_trend_axis": ("menit; garis: median dan p90 waktu total; garis putus merah: target",
                         "minutes; lines: median and p90 total time; dashed red: the goal"),
    "chart_lanes": ("Lajur berdampingan: tunggu + layanan (median)", "Lanes side by side: wait + service (median)"),
    "chart_lanes_axis": ("menit; bawah: median tunggu, atas: median layanan; garis putus merah: target",
                         "minutes; below: median wait, on top: median service; dashed red: the goal"),
    "chart_timeline": ("Siklus terlama: tunggu, lalu urutan tahap", "Slowest cycles: wait, then stage timelines"),
    "median": ("median", "median"),
    "p90": ("p90", "p90"),
}  # fmt: skip

#: CSV table names: key -> (Bahasa Indonesia, English).
CSV_TABLES: dict[str, tuple[str, str]] = {
    "report": ("laporan", "report"), "rules": ("aturan", "rules"), "figures": ("angka", "figures"),
    "stages": ("tahap", "stages"), "slowest": ("terlama", "slowest"), "fastest": ("tercepat", "fastest"),
    "queue": ("antrean", "queue"), "reasons": ("alasan", "reasons"), "faults": ("gangguan", "faults"),
    "overrides": ("tindakan", "overrides"), "manual_receipts": ("kuitansi_manual", "manual_receipts"),
    "audit": ("audit", "audit"), "cycles": ("siklus", "cycles"), "lane_days": ("lajur_hari", "lane_days"),
    "lane_hours": ("lajur_jam", "lane_hours"),
}  # fmt: skip
#: CSV column heads: key -> (Bahasa Indonesia, English); the key is the English head.
CSV_COLUMNS: dict[str, tuple[str, str]] = {
    k: (i, k) for k, i in {
        "table": "tabel", "name": "nama", "value": "nilai", "by": "menurut", "key": "kunci", "cars": "kendaraan",
        "completed": "selesai", "rejected": "ditolak", "aborted": "dibatalkan", "abandoned": "ditinggalkan",
        "open": "terbuka", "median_s": "layanan_median_dtk", "p90_s": "layanan_p90_dtk", "max_s": "layanan_maks_dtk",
        "under_target_share": "layanan_bawah_target", "total_median_s": "total_median_dtk",
        "total_p90_s": "total_p90_dtk", "total_max_s": "total_maks_dtk",
        "total_under_target_share": "total_bawah_target", "wait_median_s": "tunggu_median_dtk",
        "wait_p90_s": "tunggu_p90_dtk", "wait_max_s": "tunggu_maks_dtk", "no_queue": "tanpa_antrean",
        "group": "kelompok", "stage": "tahap", "cycles": "jumlah_siklus", "budget_s": "anggaran_dtk",
        "over_budget": "lewat_anggaran", "cycle": "id_siklus", "lane": "lajur", "lane_class": "golongan",
        "queued": "masuk_antrean", "started": "masuk_lajur", "approach": "pendekat", "match": "pencocokan",
        "outcome": "hasil", "wait_s": "tunggu_dtk", "service_s": "layanan_dtk", "total_s": "total_dtk",
        "duration_s": "durasi_layanan_dtk", "plate": "pelat", "reason": "alasan", "holder": "pemegang",
        "nik": "nik", "retries": "ulang", "timeline": "urutan_tahap", "count": "jumlah", "device": "perangkat",
        "kind": "jenis", "cause": "penyebab", "last": "terakhir", "action": "tindakan", "result": "hasil_tindakan",
        "operators": "operator", "lanes": "daftar_lajur", "receipt": "kuitansi", "approved_by": "disetujui_oleh",
        "chain": "rantai", "rows": "baris", "head_row": "baris_ujung", "hash": "hash", "text": "teks", "day": "hari",
        "hour": "jam",
    }.items()
}  # fmt: skip
_TABLE_KEYS = {name: k for k, pair in CSV_TABLES.items() for name in pair}
_COLUMN_KEYS = {name: k for k, pair in CSV_COLUMNS.items() for name in pair}


#: The manual receipts' columns (lane.report.model.manual_row), as TEXT keys.
MANUAL_KEYS = ("cycle", "lane", "entered", "receipt", "approved_by", "outcome")


class Words:
    def __init__(self, lang: str = "id") -> None:
        if lang not in LANGS:
            raise ValueError(f"language: expected one of {', '.join(LANGS)}, got {lang!r}")
        self.lang = lang
        self.index = LANGS.index(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = TEXT[key][self.index]
        return text.format(**values) if values else text

    def table(self, key: str) -> str:
        """A CSV table's name."""
        return CSV_TABLES[key][self.index]

    def column(self, key: str) -> str:
        """A CSV column's head."""
        return CSV_COLUMNS[key][self.index]


def table_key(name: str) -> str:
    """The key of a CSV table name of either language (an unknown name as it is)."""
    return _TABLE_KEYS.get(name, name)


def column_key(head: str) -> str:
    """The key (the English head) of a CSV column head of either language (an unknown head as it is)."""
    return _COLUMN_KEYS.get(head, head)


def title(report: Report, w: Words) -> str:
    p = report.period
    return w(
        "title",
        site=report.site,
        first=p.first,
        last=p.last,
        zone=p.zone,
        lanes=", ".join(report.lanes) if report.lanes else w("all_lanes"),
        target=f"{report.target_s / 60:g}",
        who=w("shown" if report.personal else "masked"),
        made=report.generated,
    )


def rules(report: Report, w: Words) -> list[str]:
    """What counts as a cycle and what is left out; with no cycle in the period, which dates the store holds."""
    out = [w("rules", unqueued=report.total.unqueued, tests=report.test_cycles)]
    if not report.total.total:
        p = report.period
        if report.held:
            out.append(w("empty", first=p.first, last=p.last, held_first=report.held[0], held_last=report.held[1]))
        else:
            out.append(w("empty_none", first=p.first, last=p.last))
    return out


def headline(report: Report, w: Words) -> str:
    """Car count, total time against the goal, then wait and service, then balking and reneging."""
    t = report.total
    return w(
        "headline",
        cars=t.total,
        completed=t.completed,
        median=mmss(t.total_time.median_s),
        p90=mmss(t.total_time.p90_s),
        target=f"{report.target_s / 60:g}",
        met=share(t.total_time.under_target),
        wait=mmss(t.wait_time.median_s),
        wait90=mmss(t.wait_time.p90_s),
        service=mmss(t.median_s),
        service90=mmss(t.p90_s),
        balk=report.queue_count("balk"),
        renege=report.queue_count("renege"),
    )
