Feature: Acts are recorded promptly, inspectors rule on violations, and the past can be replayed
  Every event carries the time the agency claims (when the act happened) and the time the ledger recorded it.
  An event entered through the web or the API must be recorded within 1 working day of its claimed time;
  later than that it may be backdated, and it is a LATE_RECORDING violation of the official who entered it,
  late by the working days beyond that one day. Events brought in by an import of earlier history are exempt.

  An inspector (Thanh tra) rules on a detected violation with a finding: a dismissed violation stays visible in
  history but leaves the report; a confirmed one stays in it. And an inspector can judge the ledger as of any
  past date: only the acts claimed on or before that date count.

  Background:
    Given the city registry of 1 December 2023

  # --- LATE_RECORDING ---

  Scenario Outline: An assignment entered through the web more than one working day after it happened
    Given vp.clerk opened case HCM-2024-0601 (REAL_ESTATE_DIFFICULTY) on <opened>
    And vp.clerk assigned the lead to SXD / sxd.nva on <claimed>
    And that was entered through the web on <recorded>
    When the inspector judges the ledger as of Friday 31 May 2024
    Then there is a LATE_RECORDING violation on VP / vp.clerk late by <days> working days
    And it is due on <due>
    And it is closed

    Examples:
      | opened                    | claimed                   | recorded                | due                        | days | note                                     |
      | Monday 4 March 2024       | Tuesday 5 March 2024      | Thursday 7 March 2024   | Wednesday 6 March 2024     | 1    |                                          |
      | Monday 4 March 2024       | Tuesday 5 March 2024      | Monday 11 March 2024    | Wednesday 6 March 2024     | 3    | the weekend does not count               |
      | Friday 3 May 2024         | Friday 3 May 2024         | Monday 6 May 2024       | Saturday 4 May 2024        | 1    | Saturday 4 May 2024 was a working day    |
      | Wednesday 7 February 2024 | Wednesday 7 February 2024 | Friday 16 February 2024 | Thursday 15 February 2024  | 1    | the Tết holiday 8–14 February skipped    |

  Scenario Outline: An assignment entered through the web within one working day is recorded in time
    Given vp.clerk opened case HCM-2024-0602 (REAL_ESTATE_DIFFICULTY) on <opened>
    And vp.clerk assigned the lead to SXD / sxd.nva on <claimed>
    And that was entered through the web on <recorded>
    When the inspector judges the ledger as of Friday 31 May 2024
    Then there is no LATE_RECORDING violation

    Examples:
      | opened                    | claimed                   | recorded                   | note                                  |
      | Monday 4 March 2024       | Monday 4 March 2024       | Monday 4 March 2024        | the same day                          |
      | Monday 4 March 2024       | Monday 4 March 2024       | Tuesday 5 March 2024       | the next working day                  |
      | Friday 1 March 2024       | Friday 1 March 2024       | Monday 4 March 2024        | over the weekend                      |
      | Wednesday 7 February 2024 | Wednesday 7 February 2024 | Thursday 15 February 2024  | the Tết holiday 8–14 February skipped |
      | Friday 26 April 2024      | Friday 26 April 2024      | Thursday 2 May 2024        | 29 April – 1 May were days off        |

  Scenario: Earlier history brought in by an import is exempt, however late it is recorded
    Given vp.clerk opened case HCM-2024-0603 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And that was imported on Friday 29 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Tuesday 5 March 2024
    And that was imported on Friday 29 March 2024
    When the inspector judges the ledger as of Friday 31 May 2024
    Then there is no LATE_RECORDING violation

  Scenario: Each late entry falls on the official who made it
    Given vp.clerk opened case HCM-2024-0604 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And that was entered through the web on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Monday 4 March 2024
    And that was entered through the web on Monday 4 March 2024
    And sxd.nva consulted STNMT (C1) on Tuesday 5 March 2024 about land within 10 working days
    And that was entered through the web on Thursday 7 March 2024
    And stnmt.ltb answered C1 on Monday 11 March 2024: agree, "Đất có nguồn gốc hợp pháp."
    And that was entered through the web on Friday 15 March 2024
    And sxd.nva resolved the case on Friday 15 March 2024
    And that was entered through the web on Friday 15 March 2024
    When the inspector judges the ledger as of Friday 31 May 2024
    Then the case has exactly these violations:
      | rule           | consultation | agency | official  | due        | days_late | status |
      | LATE_RECORDING | C1           | SXD    | sxd.nva   | 2024-03-06 | 1         | closed |
      | LATE_RECORDING | C1           | STNMT  | stnmt.ltb | 2024-03-12 | 3         | closed |

  # --- An inspector's findings ---

  Scenario: A dismissed violation leaves the report but stays in the history
    Given vp.clerk opened case HCM-2024-0611 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Tuesday 5 March 2024
    And that was entered through the web on Monday 11 March 2024
    And the inspector tttp.insp dismissed the LATE_RECORDING violation on Wednesday 13 March 2024
    When the inspector judges the ledger as of Friday 15 March 2024
    Then there is no LATE_RECORDING violation
    And the case has no violations
    When the inspector judges the ledger as of Friday 15 March 2024, dismissed violations included
    Then there is a LATE_RECORDING violation on VP / vp.clerk late by 3 working days
    And it is marked dismissed
    When the inspector reads today's report
    Then there is no LATE_RECORDING violation

  Scenario: Judged before the finding was made, the violation carries no finding yet
    Given vp.clerk opened case HCM-2024-0612 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Tuesday 5 March 2024
    And that was entered through the web on Monday 11 March 2024
    And the inspector tttp.insp dismissed the LATE_RECORDING violation on Wednesday 13 March 2024
    When the inspector judges the ledger as of Tuesday 12 March 2024
    Then there is a LATE_RECORDING violation on VP / vp.clerk late by 3 working days
    And it carries no finding

  Scenario: A confirmed violation stays in the report, marked confirmed
    Given vp.clerk opened case HCM-2024-0613 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Thursday 7 March 2024
    And the inspector tttp.insp confirmed the NO_LEAD violation on Wednesday 13 March 2024
    When the inspector judges the ledger as of Friday 15 March 2024
    Then there is a NO_LEAD violation on VP with no named official, late by 2 working days
    And it is marked confirmed
    When the inspector reads today's report
    Then there is a NO_LEAD violation on VP with no named official, late by 2 working days
    And it is marked confirmed

  Scenario: A finding on one consultation leaves the others' violations alone
    Given the agency SCT "Sở Công Thương" (department) with mandate industry, trade
    And sct.pmq is a specialist of SCT
    And vp.clerk opened case HCM-2024-0614 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Monday 4 March 2024
    And sxd.nva consulted STNMT (C1) on Tuesday 5 March 2024 about land within 8 working days
    And sxd.nva consulted SCT (C2) on Tuesday 5 March 2024 about trade within 8 working days
    And stnmt.ltb answered C1 on Wednesday 20 March 2024: agree, "Đất có nguồn gốc hợp pháp."
    And sct.pmq answered C2 on Wednesday 20 March 2024: agree, "Không ảnh hưởng hoạt động thương mại."
    And the inspector tttp.insp dismissed the LATE_RESPONSE violation of C1 on Thursday 21 March 2024
    When the inspector judges the ledger as of Friday 22 March 2024
    Then there is no LATE_RESPONSE violation for C1
    But there is a LATE_RESPONSE violation for C2 on SCT / sct.pmq late by 3 working days
    And it carries no finding

  Scenario: A finding that names no consultation does not reach a consultation's violation
    Given vp.clerk opened case HCM-2024-0615 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Monday 4 March 2024
    And sxd.nva consulted STNMT (C1) on Tuesday 5 March 2024 about land within 8 working days
    And stnmt.ltb answered C1 on Wednesday 20 March 2024: agree, "Đất có nguồn gốc hợp pháp."
    And the inspector tttp.insp dismissed the LATE_RESPONSE violation on Thursday 21 March 2024
    When the inspector judges the ledger as of Friday 22 March 2024
    Then there is a LATE_RESPONSE violation for C1 on STNMT / stnmt.ltb late by 3 working days
    And it carries no finding

  Scenario: Of two opposite findings, the one claimed later wins, even when it was recorded first
    Given vp.clerk opened case HCM-2024-0616 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Thursday 7 March 2024
    And the inspector tttp.insp confirmed the NO_LEAD violation on Thursday 14 March 2024
    And the inspector tttp.insp dismissed the NO_LEAD violation on Wednesday 13 March 2024
    When the inspector judges the ledger as of Friday 15 March 2024
    Then there is a NO_LEAD violation on VP with no named official, late by 2 working days
    And it is marked confirmed
    When the inspector reads today's report
    Then there is a NO_LEAD violation on VP with no named official, late by 2 working days
    And it is marked confirmed
    When the inspector judges the ledger as of Wednesday 13 March 2024, dismissed violations included
    Then there is a NO_LEAD violation on VP with no named official, late by 2 working days
    And it is marked dismissed

  Scenario: Of two opposite findings claimed at the same time, the one recorded later wins
    Given vp.clerk opened case HCM-2024-0617 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Thursday 7 March 2024
    And the inspector tttp.insp confirmed the NO_LEAD violation on Wednesday 13 March 2024 at 10:00
    And the inspector tttp.insp dismissed the NO_LEAD violation on Wednesday 13 March 2024 at 10:00
    When the inspector judges the ledger as of Friday 15 March 2024, dismissed violations included
    Then there is a NO_LEAD violation on VP with no named official, late by 2 working days
    And it is marked dismissed

  # --- Judging as of a past date ---

  Scenario Outline: Judged as of a date before the answer, the consultation is still open
    Given vp.clerk opened case HCM-2024-0621 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Monday 4 March 2024
    And sxd.nva consulted STNMT (C1) on Tuesday 5 March 2024 about land within 8 working days
    And stnmt.ltb answered C1 on Wednesday 20 March 2024: agree, "Đất có nguồn gốc hợp pháp."
    When the inspector judges the ledger as of <as of>
    Then there is a LATE_RESPONSE violation for C1 on STNMT with no named official, late by <days> working days
    And it is open
    And it counts as deemed consent
    And it is due on Friday 15 March 2024

    Examples:
      | as of                   | days |
      | Monday 18 March 2024    | 1    |
      | Tuesday 19 March 2024   | 2    |

  Scenario Outline: Judged as of the answer or later, the late answer is closed and no consent is deemed
    Given vp.clerk opened case HCM-2024-0622 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Monday 4 March 2024
    And sxd.nva consulted STNMT (C1) on Tuesday 5 March 2024 about land within 8 working days
    And stnmt.ltb answered C1 on Wednesday 20 March 2024: agree, "Đất có nguồn gốc hợp pháp."
    When the inspector judges the ledger as of <as of>
    Then there is a LATE_RESPONSE violation for C1 on STNMT / stnmt.ltb late by 3 working days
    And it is closed
    And it is not a deemed consent

    Examples:
      | as of                     |
      | Wednesday 20 March 2024   |
      | Friday 29 March 2024      |

  Scenario: Judged as of a date before the due date, nothing is late yet
    Given vp.clerk opened case HCM-2024-0623 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Monday 4 March 2024
    And sxd.nva consulted STNMT (C1) on Tuesday 5 March 2024 about land within 8 working days
    And stnmt.ltb answered C1 on Wednesday 20 March 2024: agree, "Đất có nguồn gốc hợp pháp."
    When the inspector judges the ledger as of Friday 15 March 2024
    Then the case has no violations
