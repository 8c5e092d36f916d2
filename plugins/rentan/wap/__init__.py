"""What the write-audit-publish stages share: transform (write) builds, validate (audit) checks the
build, publish swaps it in. Each stage imports this layer, never another stage: the build schemas'
lifecycle (builds), the checks a build declares (suites) and their results (checks), the cohort
checks (cohort) and the failures the stages raise (failures).
"""
