"""The clinic's Dry needling text, kept in the tests as the expected content.

A copy of ../shared/seeds/dry-needling.txt, by page section, so the suite does
not depend on that file being present (test_seed_fidelity compares the two
when it is).
"""

OVERVIEW = (
    "Dry needling involves the insertion of fine needles into specific muscle, "
    "tendon or ligament trigger points to alleviate pain, reduce muscle tension "
    "and promote healing. It is complementary to injection therapies and may be "
    "used together to optimise joint/soft-tissue function."
)
HOW_IT_WORKS = (
    "Using anatomical landmarks (and optionally ultrasound guidance), the "
    "clinician locates tight or dysfunctional tissues and inserts needles to "
    "stimulate a local healing response, improve circulation and reduce pain."
)
POINTS = {
    "indications": [
        "Tendinopathies (e.g., patellar, Achilles)",
        "Myofascial trigger point pain around joints",
        "Post-injury soft tissue pain that contributes to joint dysfunction",
    ],
    "benefits": [
        "Minimally invasive and low risk procedure",
        "Relieves muscular tightness and trigger point pain effectively",
        "Enhances flexibility and range of motion around affected joints",
        "Supports rehabilitation when combined with physiotherapy or injection "
        "treatments",
        "Can be safely repeated as part of an ongoing pain management plan",
    ],
    "limitations": [
        "May require multiple sessions for optimal results",
        "Results depend on the underlying cause and patient compliance with aftercare",
        "May cause mild post-treatment soreness or fatigue",
        "Not a replacement for structural joint treatments when deeper pathology "
        "exists",
    ],
    "side_effects": [
        "Mild muscle soreness or bruising at the needle site (usually subsides "
        "within 24\u201348 hours)",
        "Occasional temporary fatigue or mild ache after treatment",
        "Rare chance of minor bleeding at insertion points",
        "Treatment is not suitable for patients with needle phobia, bleeding "
        "disorders, or on certain blood-thinning medications",
        "Always performed using single-use sterile needles for safety",
    ],
    "procedure": [
        "The procedure is performed in a sterile clinical setting by a trained "
        "practitioner.",
        "Needles are inserted into identified trigger points and left in place "
        "for a short duration (typically 5\u201310 minutes).",
        "Most patients report a deep sense of relaxation and reduced muscle "
        "tightness immediately after.",
    ],
    "aftercare": [
        "Drink plenty of water to help flush metabolic by-products.",
        "Avoid strenuous exercise for 24 hours.",
        "Gentle stretching and heat can help ease post-treatment soreness.",
        "Mild tenderness is normal and should settle within a day or two.",
        "Follow-up sessions are scheduled based on symptom response and treatment "
        "goals.",
    ],
}
CONTRAINDICATION = POINTS["side_effects"][3]

# Where each part must appear on the page: (h2 heading, h3 sub-heading or None).
PAGE_HEADINGS = {
    "overview": ("Overview", None),
    "indications": ("What it treats", None),
    "how_it_works": ("How it works", None),
    "benefits": ("Benefits", None),
    "limitations": ("Limitations", None),
    "side_effects": ("Side effects & considerations", None),
    "procedure": ("Procedure & aftercare", "At your appointment"),
    "aftercare": ("Procedure & aftercare", "Aftercare"),
}
