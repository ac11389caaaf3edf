"""Every parameter of the demo simulator, in one readable place.

The numbers below are the reference paper's (J Korean Neurosurg Soc 59, 2016; the
project's copy of its figures is ``config/reference_paper.yaml``) turned into a
generative design: screening counts per site, the attrition, and the calibration
targets of the 28 matched pairs. ``spinepair.synth.simulate`` reads nothing else.
"""

SEED = 20160101
STUDY_YEARS = (2005, 2012)
MONTH_DAYS = 30.4375

# Sites: arm, machine, export style, and how the paper's screened patients split.
SITES = {
    "A": {
        "arm": "SRS",
        "machine": "Novalis",
        "style": "wide_csv",
        "screened": 160,
        "hcc": 22,
        "hcc_prior": 7,
        "rcc": 13,
        "rcc_prior": 2,
        "matched": 15,
    },
    "B": {
        "arm": "SRS",
        "machine": "CyberKnife",
        "style": "xlsx",
        "screened": 130,
        "hcc": 18,
        "hcc_prior": 5,
        "rcc": 11,
        "rcc_prior": 2,
        "matched": 13,
    },
    "C": {
        "arm": "RT",
        "machine": "Clinac iX",
        "style": "cp949_csv",
        "screened": 850,
        "hcc": 60,
        "hcc_prior": 11,
        "rcc": 32,
        "rcc_prior": 4,
        "matched": 15,
    },
    "D": {
        "arm": "RT",
        "machine": "Varian 21EX",
        "style": "long_eav",
        "screened": 752,
        "hcc": 53,
        "hcc_prior": 10,
        "rcc": 28,
        "rcc_prior": 3,
        "matched": 13,
    },
}

# Primary tumours of the non-HCC, non-RCC screened patients (relative weights).
OTHER_PRIMARIES = {
    "lung": 34,
    "breast": 18,
    "prostate": 12,
    "colorectal": 9,
    "stomach": 7,
    "thyroid": 4,
    "myeloma": 6,
    "other": 10,
}

# Generic (uncalibrated) patients: every screened demo patient outside the 28 designed
# pairs, and every registry patient. Shares are probabilities; (median, sigma) lognormal.
GENERIC = {
    "region": {"cervical": 0.15, "thoracic": 0.42, "lumbar": 0.38, "sacral": 0.05},
    "male": {"HCC": 0.85, "other": 0.55},
    "age": (60, 11),  # normal (mean, SD), clipped to age_range
    "age_range": (25, 89),
    "interval_months": (14, 1.1),  # lognormal minus 2 months, floored at 0
    # registry only: caps the interval (at a million patients the lognormal tail precedes
    # birth); the demo's committed exports predate the cap (two primaries before age 20)
    "min_age_at_primary": 20,
    "child_pugh": {"A": 0.75, "B": 0.2, "C": 0.05},  # HCC only
    # previous treatment at the index level (SRS arm: SRS_PRIOR_MIX; RT arm: surgery); the
    # demo counts its HCC and RCC ones per site (SITES)
    "prior": {"HCC": 0.2, "RCC": 0.15, "other": 0.08},
    "extra_mets": 1.3,  # Poisson mean of spine metastases beyond the first
    "max_mets": 12,
    "ecog": (0.2, 0.4, 0.25, 0.12, 0.03),  # ECOG 0..4
    "ambulation": (0.55, 0.25, 0.1, 0.07, 0.03),  # status 1..5
    "volume_cc": (30, 0.7),  # lognormal, clipped to volume_range
    "volume_range": (1, 400),
    "vas_pre": (6, 2.5),  # normal, rounded, clipped to 0..10
    "vas_drop_share": 0.85,  # VAS falls by 0..5; otherwise it rises by 1..2
    "analgesic": {"none": 0.1, "otc": 0.35, "steroid": 0.1, "narcotic": 0.45},
    "analgesic_kept": 0.7,  # same analgesic at one month; otherwise none
    "post_visit": 0.9,
    "os_months": {"HCC": (8, 0.9), "other": (11, 0.9)},  # lognormal, clipped to os_range
    "os_range": (0.3, 84),
    "dead": 0.8,
    "imaged": 0.8,
    "lp_mean_months": {"SRS": 12, "RT": 10},  # exponential time to local progression
    "other_level": 0.3,  # imaged patients with progression at another level
    "toxicity": {"SRS": 0.25, "RT": 0.5},
    "toxicity_types": (
        "nausea",
        "diarrhea",
        "sore_throat",
        "dry_mouth",
        "dysphagia",
        "esophagitis",
        "skin",
    ),
    "rtog_grade": {1: 0.7, 2: 0.27, 3: 0.03},
    "fracture": {"SRS": 0.12, "RT": 0.04},  # imaged patients only
    "further": 0.3,  # further treatment 7..39 days after a seen local progression
    "further_types": ("surgery", "vertebroplasty_kyphoplasty", "srs", "rt"),
}

# How every simulated patient's records are laid out in time, and SRS plan details.
# Day ranges are (low, high) with high excluded, as numpy's integers().
RECORDS = {
    "start_day": (5, 355),  # treatment start, days after 1 January of the treatment year
    "spine_dx_lead": (3, 40),  # spine metastasis diagnosed this many days before the start
    "pain_pre_lead": (0, 8),  # baseline pain assessment before the start
    "pain_post_lag": (25, 36),  # one-month pain assessment after the last fraction
    "toxicity_lag": (3, 40),  # toxicity onset after the start (at most the last follow-up)
    "further_lag": (7, 40),  # further treatment after a seen local progression (generic)
    "isodose_pct": (70, 86),  # SRS prescription isodose line
    "novalis_isodose_pct": 80.0,
    "coverage_pct": (96, 2),  # SRS target coverage: normal, one decimal, clipped
    "coverage_range": (90, 99.9),
}

# Prior treatment at the index level of the excluded patients (SRS arm: any previous
# treatment; RT arm: previous surgery, the paper's exclusion).
SRS_PRIOR_MIX = {"surgery": 5, "rt": 5, "other": 2}

# Matching specification the demo is designed for (config/config.yaml holds the live one).
MATCH_CALIPERS = {
    "age_years": 10,
    "interval_months": 24,
    "treatment_year": 2,
    "n_mets_cat": 1,
    "child_pugh_num": 1,
}

# Table 1 targets of the matched cohort: (mean, SD) per arm.
AGE = {"SRS": (58.7, 13.8), "RT": (59.7, 9.9)}
INTERVAL_MONTHS = {"SRS": (17.7, 28.1), "RT": (18.4, 24.2)}
VOLUME_CC = {"SRS": (33.1, 29.3), "RT": (42.4, 25.8)}
MALE_PAIRS = 26
CHILD_PUGH_B = {"SRS": 2, "RT": 3}  # one discordant pair (A vs B)
N_METS_CAT = {"SRS": {1: 10, 2: 8, 3: 3, 4: 7}, "RT": {1: 10, 2: 7, 3: 4, 4: 7}}
REGION = {
    "SRS": {"cervical": 7, "thoracic": 7, "lumbar": 14},
    "RT": {"cervical": 6, "thoracic": 11, "lumbar": 11},
}
# ECOG >= 2 pairs: SRS>=2 & RT<=1, SRS<=1 & RT>=2, both >= 2 (McNemar p = 0.58).
ECOG_DISCORDANT = (8, 5, 1)
AMBULATION_GE3_PAIRS = 2  # concordant in both arms

# Dose regimens (total Gy, fractions) with weights; SRS marginal dose at the isodose line.
SRS_REGIMENS = {
    (16, 1): 1,
    (18, 1): 1,
    (20, 1): 2,
    (24, 1): 1,
    (24, 3): 1,
    (30, 3): 1,
    (32, 4): 1,
    (36, 4): 2,
    (40, 4): 1,
    (30, 5): 2,
    (35, 5): 4,
    (40, 5): 5,
    (45, 5): 3,
    (50, 5): 2,
}
SRS_FRACTION_TARGET = (4.0, 1.5)
SRS_DOSE_TARGET = (35.4, 9.5)
SRS_NBED_TARGET = (58.4, 13.5)
RT_REGIMENS = {
    (30, 10): 14,
    (20, 5): 3,
    (25, 10): 2,
    (37.5, 15): 3,
    (40, 20): 1,
    (36, 12): 2,
    (39, 13): 2,
    (45, 15): 1,
    (8, 1): 1,
}
RT_FRACTION_TARGET = (10.2, 2.8)
RT_DOSE_TARGET = (31.5, 6.7)
RT_NBED_TARGET = (33.7, 6.7)

# Pain at 1 month (paper's categories) and VAS targets; the analgesic ladder of the
# paper's rule ("increased analgesic use" = a step up).
ANALGESIC_LEVEL = {"none": 0, "otc": 1, "steroid": 2, "narcotic": 3}
PAIN_CATEGORIES = {
    "SRS": {"complete": 6, "partial": 12, "stable": 7, "progression": 3},
    "RT": {"complete": 3, "partial": 13, "stable": 10, "progression": 2},
}
PAIN_IMPROVED = {"SRS": 25, "RT": 21}  # any VAS decrease, unadjusted
VAS_PRE = {"SRS": (6.8, 2.3), "RT": (5.6, 2.9)}
VAS_POST_MEAN = {"SRS": 3.1, "RT": 2.7}
VAS_CHANGE = {"SRS": (3.7, 2.7), "RT": (2.8, 2.4)}

# Toxicity: patient-level sets (type, RTOG grade); "cf" = compression fracture.
TOXICITY_SETS = {
    "SRS": [
        [("nausea", 1), ("cf", 0)],
        [("cf", 0)],
        [("cf", 0)],
        [("cf", 0)],
        [("cf", 0)],
        [("nausea", 2)],
        [("nausea", 1)],
        [("nausea", 1), ("diarrhea", 2)],
        [("dry_mouth", 1), ("dysphagia", 1)],
    ],
    "RT": [
        [("nausea", 2)],
        [("nausea", 1)],
        [("nausea", 1), ("dysphagia", 1)],
        [("sore_throat", 2)],
        [("sore_throat", 1), ("esophagitis", 1)],
        [("esophagitis", 2)],
        [("esophagitis", 1)],
        [("esophagitis", 1)],
        [("esophagitis", 1), ("dry_mouth", 1)],
        [("dry_mouth", 1)],
        [("dry_mouth", 1)],
        [("dysphagia", 2)],
        [("dysphagia", 1)],
        [("dysphagia", 1)],
        [("diarrhea", 2)],
        [("skin", 2)],
        [("cf", 0)],
    ],
}
TOXICITY_BOTH_PAIRS = 7  # pairs where both have toxicity

# Further treatment at the index level: (type, reason) per patient; intervals in months.
FURTHER_TREATMENTS = {
    "SRS": [
        ("vertebroplasty_kyphoplasty", "compression_fracture"),
        ("vertebroplasty_kyphoplasty", "compression_fracture"),
        ("vertebroplasty_kyphoplasty", "tumor_progression"),
        ("srs", "tumor_progression"),
        ("srs", "tumor_progression"),
        ("rt", "tumor_progression"),
    ],
    "RT": [
        ("surgery", "tumor_progression"),
        ("surgery", "tumor_progression"),
        ("vertebroplasty_kyphoplasty", "compression_fracture"),
        ("vertebroplasty_kyphoplasty", "tumor_progression"),
        ("vertebroplasty_kyphoplasty", "tumor_progression"),
        ("srs", "tumor_progression"),
        ("srs", "tumor_progression"),
    ],
}
FURTHER_INTERVAL = {"SRS": (5.2, 3.9), "RT": (7.1, 3.8)}

# Imaging and survival.
FOLLOWUP_MRI = {"SRS": 24, "RT": 23}
OTHER_LEVEL_PROGRESSION = {"SRS": 9, "RT": 9}
LOCAL_CONTROL_MONTHS = (1, 2, 3, 6, 12)
LOCAL_CONTROL = {"SRS": (0.92, 0.92, 0.80, 0.59, 0.25), "RT": (0.92, 0.87, 0.78, 0.64, 0.32)}
# The paper's medians are internally inconsistent for SRS (PFS 10 > OS 8 months, while
# PFS can never exceed OS); the design aims inside the +-2 month tolerance of both.
OS_MEDIAN = {"SRS": 9.5, "RT": 10.5}
PAPER_MEDIANS = {"SRS": (8, 10), "RT": (10, 8)}  # (OS, PFS) months as printed
LONG_SURVIVOR_SHARE = {"SRS": 0.14, "RT": 0.07}
LONG_SURVIVOR_MONTHS = (24, 70)
FOLLOWUP = {"SRS": (11.29, 13.97), "RT": (11.32, 8.52)}
# Follow-up imaging stops (stable disease, referral elsewhere) after this many months.
IMAGING_STOP_MONTHS = ((2.5, 9), (9, 30))
IMAGING_STOP_EARLY_SHARE = 0.6
MRI_VISIT_MONTHS = (0.9, 1.9, 2.9, 4.4, 5.9, 8.9, 11.9, 17.9, 23.9, 35.9, 47.9)

# Calibration: number of designed pairs, redraws allowed per block, and the tolerances for
# accepting a simulated matched cohort.
PAIRS = 28
MAX_TRIES = 200_000
MEAN_TOL = 0.05  # relative, for means
SD_TOL = 0.09  # relative, for SDs
RATE_TOL = 0.07  # absolute, for actuarial local-control rates
MEDIAN_TOL = 1.5  # months
