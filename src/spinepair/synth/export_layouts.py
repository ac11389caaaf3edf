"""Column headers and code values of the four hospital export styles (see DESIGN.md).

Styles A (``wide_csv``) and B (``xlsx``) use the English headers; C (``cp949_csv``) the
Korean headers and codes; D (``long_eav``) names an entity per table. The adapter specs
in ``sites/`` read exactly these names back.
"""

from __future__ import annotations

from spinepair.contracts.cdm import TOXICITY_TYPES

# CDM column -> raw header, per table, in export order; shared by styles A and B.
EN_HEADERS = {
    "patients": {
        "patient_id": "MRN",
        "name": "Name",
        "rrn": "RRN",
        "phone": "Phone",
        "sex": "Sex",
        "birth_date": "Birth Date",
        "primary_tumor": "Primary Tumor",
        "primary_diagnosis_date": "Primary Dx Date",
        "spine_met_diagnosis_date": "Spine Met Dx Date",
        "child_pugh": "Child-Pugh",
        "n_spine_mets": "No. of Spine Mets",
        "ecog": "ECOG",
        "ambulation": "Ambulatory Status",
        "index_level": "Index Level",
        "tumor_volume_cc": "Tumor Volume (cc)",
        "prior_index_treatment": "Prior Tx at Index Level",
        "death_date": "Date of Death",
        "last_followup_date": "Last Follow-up",
    },
    "treatments": {
        "patient_id": "MRN",
        "course": "Course",
        "modality": "Technique",
        "machine": "Machine",
        "start_date": "Start Date",
        "end_date": "End Date",
        "total_dose_gy": "Total Dose (Gy)",
        "fractions": "Fractions",
        "isodose_pct": "Isodose Line (%)",
        "coverage_pct": "Target Coverage (%)",
        "levels": "Treated Levels",
        "intent": "Intent",
    },
    "assessments": {"date": "Date", "vas": "VAS", "analgesic": "Analgesic", "ome_mg": "OME (mg)"},
    "imaging": {
        "patient_id": "MRN",
        "date": "Exam Date",
        "modality": "Modality",
        "finding": "Finding",
        "level": "Level",
    },
    "toxicities": {
        "patient_id": "MRN",
        "date": "Onset Date",
        "type": "Toxicity",
        "rtog_grade": "RTOG Grade",
    },
    "further_treatments": {
        "patient_id": "MRN",
        "date": "Date",
        "type": "Procedure",
        "level": "Level",
        "reason": "Indication",
    },
}
KO_HEADERS = {
    "patients": {
        "patient_id": "등록번호",
        "name": "성명",
        "rrn": "주민등록번호",
        "phone": "연락처",
        "sex": "성별",
        "birth_date": "생년월일",
        "primary_tumor": "원발암",
        "primary_diagnosis_date": "원발암진단일",
        "spine_met_diagnosis_date": "척추전이진단일",
        "child_pugh": "Child-Pugh분류",
        "n_spine_mets": "척추전이수",
        "ecog": "ECOG",
        "ambulation": "보행상태",
        "index_level": "대상척추",
        "tumor_volume_cc": "종양부피(cc)",
        "prior_index_treatment": "이전치료",
        "death_date": "사망일",
        "last_followup_date": "최종추적일",
    },
    "treatments": {
        "patient_id": "등록번호",
        "course": "치료차수",
        "modality": "치료방법",
        "machine": "장비",
        "start_date": "치료시작일",
        "end_date": "치료종료일",
        "total_dose_gy": "총선량(Gy)",
        "fractions": "분할횟수",
        "isodose_pct": "처방등선량(%)",
        "coverage_pct": "표적포함률(%)",
        "levels": "치료부위",
        "intent": "치료목적",
    },
    "assessments": {
        "patient_id": "등록번호",
        "date": "평가일",
        "vas": "통증점수(VAS)",
        "analgesic": "진통제",
        "ome_mg": "모르핀환산량(mg)",
    },
    "imaging": {
        "patient_id": "등록번호",
        "date": "검사일",
        "modality": "검사종류",
        "finding": "판독소견",
        "level": "부위",
    },
    "toxicities": {
        "patient_id": "등록번호",
        "date": "발생일",
        "type": "부작용",
        "rtog_grade": "RTOG등급",
    },
    "further_treatments": {
        "patient_id": "등록번호",
        "date": "시행일",
        "type": "추가치료",
        "level": "부위",
        "reason": "사유",
    },
}
# Site C's code values (CDM value -> export code).
KO_CODES = {
    "sex": {"M": "1", "F": "2"},
    "child_pugh": {"A": "1", "B": "2", "C": "3"},
    "primary_tumor": {
        "HCC": "간세포암",
        "lung": "폐암",
        "breast": "유방암",
        "RCC": "신세포암",
        "prostate": "전립선암",
        "colorectal": "대장암",
        "stomach": "위암",
        "thyroid": "갑상선암",
        "myeloma": "다발골수종",
        "other": "기타",
    },
    "prior_index_treatment": {"none": "0", "surgery": "1", "rt": "2", "srs": "3", "other": "9"},
    "treatments.modality": {"SRS": "1", "RT": "2"},
    "intent": {"primary": "1", "retreatment": "2"},
    "analgesic": {"none": "0", "otc": "1", "steroid": "2", "narcotic": "3"},
    "finding": {
        "no_progression": "01",
        "local_progression": "02",
        "other_level_progression": "03",
        "compression_fracture": "04",
    },
    "toxicities.type": {
        "nausea": "오심",
        "sore_throat": "인후통",
        "esophagitis": "식도염",
        "dry_mouth": "구강건조",
        "dysphagia": "연하곤란",
        "diarrhea": "설사",
        "skin": "피부염",
        "fatigue": "피로",
        "myelopathy": "척수병증",
        "other": "기타",
    },
    "further_treatments.type": {
        "surgery": "1",
        "vertebroplasty_kyphoplasty": "2",
        "srs": "3",
        "rt": "4",
    },
    "reason": {"tumor_progression": "1", "compression_fracture": "2"},
}
A_CODES = {
    "sex": {"M": "Male", "F": "Female"},
    "toxicities.type": {t: t.replace("_", " ").title() for t in TOXICITY_TYPES},
}
# Site D's clinical data warehouse: entity name and CDM column -> attribute name.
EAV_ENTITIES = {
    "patients": ("PATIENT", None),
    "treatments": ("RT_COURSE", "course"),
    "assessments": ("PAIN_ASSESS", None),
    "imaging": ("IMAGING", None),
    "toxicities": ("TOXICITY", None),
    "further_treatments": ("ADD_TX", None),
}

# Style E, a department workbook: sheet name and the title above each table's header.
E_SHEETS = {
    "patients": ("환자목록", "척추전이 방사선치료 환자 목록"),
    "treatments": ("치료내역", "방사선치료 내역"),
    "assessments": ("통증평가", "통증 평가 (VAS)"),
    "prescriptions": ("진통제처방", "진통제 처방 내역"),
    "imaging": ("영상검사", "추적 영상검사"),
    "toxicities": ("부작용", "치료 관련 부작용"),
    "further_treatments": ("추가치료", "추가 치료"),
}
E_EXPORTED = "출력일 2024.01.01  방사선종양학과"
# Courses sheet: a two-row header; a group name over several columns is one merged cell.
E_COURSE_HEADER = (
    ("patient_id", "등록번호", None),
    ("course", "치료차수", None),
    ("modality", "치료방법", None),
    ("machine", "장비", None),
    ("start_date", "치료기간", "시작일"),
    ("end_date", "치료기간", "종료일"),
    ("prescription", "처방", "선량"),
    ("isodose_pct", "처방", "등선량(%)"),
    ("coverage_pct", "처방", "포함률(%)"),
    ("levels", "치료부위", None),
    ("intent", "치료목적", None),
)
E_PAIN_HEADER = {"patient_id": "등록번호", "date": "평가일", "vas": "통증(VAS)"}
E_RX_HEADER = {
    "patient_id": "등록번호",
    "date": "처방일",
    "analgesic": "진통제",
    "ome_mg": "모르핀환산량(mg)",
}
E_TOX_HEADER = {"patient_id": "등록번호", "date": "발생일", "type": "부작용", "rtog_grade": "등급"}
E_CODES = {
    "sex": {"M": "남", "F": "여"},
    "treatments.modality": {"SRS": "정위적방사선수술", "RT": "일반방사선치료"},
    "analgesic": {
        "none": "투약안함",
        "otc": "일반진통제",
        "steroid": "스테로이드",
        "narcotic": "마약성",
    },
}
E_MISSING = ("-", "N/A", "없음")  # the department's markers of an empty cell, used in turn
E_OME_MISSING = 999
E_EXCLUDED = "뇌전이"  # rows of the department's other patients, filtered out by the spec
# Style F, an SPSS file per table: variable names and the value labels of coded variables.
F_FILES = {
    "patients": "F_patients.sav",
    "treatments": "F_courses.sav",
    "assessments": "F_pain.sav",
    "imaging": "F_imaging.sav",
    "toxicities": "F_toxicity.sav",
    "further_treatments": "F_addtx.sav",
}
F_LABELLED = {  # CDM column -> its vocabulary, stored as codes 1..n labelled with CDM values
    "patients": ("sex", "primary_tumor", "child_pugh", "prior_index_treatment", "arm"),
    "treatments": ("modality", "intent"),
    "assessments": ("analgesic",),
    "imaging": ("modality", "finding"),
    "toxicities": ("type",),
    "further_treatments": ("type", "reason"),
}
