"""Opens the files the README's spreadsheet block downloaded, outside Rust:
openpyxl reads the XLSX files and finds the Vietnamese text intact and in NFC,
Python's csv module reads the CSV.
    usage: python sheets_check.py DIR   (with phu-luc.xlsx, nhiem-vu.xlsx, qua-han.csv)
"""
import csv
import os
import sys
import unicodedata

import openpyxl

folder = sys.argv[1]


def texts(path):
    sheet = openpyxl.load_workbook(os.path.join(folder, path)).worksheets[0]
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    for value in values:
        assert unicodedata.is_normalized("NFC", value), f"{path}: not NFC: {value!r}"
    return sheet, values


appendix, values = texts("phu-luc.xlsx")
assert values[0] == "PHỤ LỤC", values[:3]
assert "KẾT QUẢ THỰC HIỆN KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2023" in values
assert "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC" in values
assert "Sở Nội vụ" in values and "Đã hoàn thành đúng hạn" in values
assert any(v.startswith("Tổng số: 64 nhiệm vụ") for v in values)
assert appendix.page_setup.orientation == "landscape"
assert str(appendix.page_setup.paperSize) == "9", appendix.page_setup.paperSize
assert appendix.freeze_panes == "A6", appendix.freeze_panes
assert str(appendix.print_title_rows) == "$5:$5", appendix.print_title_rows
assert appendix["B6"].font.name == "Times New Roman"
assert appendix["B6"].alignment.wrap_text

tasks, values = texts("nhiem-vu.xlsx")
header = [c.value for c in tasks[1]]
assert header[:2] == ["Mã", "Nhiệm vụ"], header
assert tasks.max_row == 65, tasks.max_row

with open(os.path.join(folder, "qua-han.csv"), encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
assert rows[0][:2] == ["Mã", "Nhiệm vụ"], rows[0]
assert len(rows) == 12, f"{len(rows) - 1} tasks overdue on 30/9/2023, not 11"
label = rows[0].index("Tình hình thực hiện")
assert all(r[label] in ("Đang thực hiện, quá hạn", "Chưa thực hiện") for r in rows[1:])
for row in rows:
    for cell in row:
        assert unicodedata.is_normalized("NFC", cell)
print("spreadsheets: openpyxl and csv read the files, Vietnamese intact in NFC")
