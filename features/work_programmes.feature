Feature: Every department, board and district adopts its year's work programme in January
  "Right in January 2024, build the agency's 2024 work programme and plan, focused on the priorities and
  following the City People's Committee's programme and theme of the year" (Chỉ thị 01/2024). The ledger expects
  each agency of kind department, board or district, registered before 1 January, to adopt the year's programme
  by 31 January; a later adoption is late by the working days after 31 January, and while none is adopted the
  violation stays open and grows. The violation falls on the agency; no official is named. Agencies of other
  kinds (the Office of the People's Committee, the City Inspectorate) are not held to it.

  Background:
    Given the city registry of 1 December 2023

  Scenario Outline: A programme adopted after 31 January is late by the working days since
    Given stnmt.head adopted the 2024 work programme of STNMT on <adopted>
    When the inspector judges the ledger as of Tuesday 30 April 2024
    Then there is a WORK_PROGRAMME_LATE violation on STNMT with no named official, late by <days> working days
    And it is due on Wednesday 31 January 2024
    And it is closed

    Examples:
      | adopted                    | days | note                                 |
      | Thursday 1 February 2024   | 1    |                                      |
      | Wednesday 7 February 2024  | 5    |                                      |
      | Thursday 15 February 2024  | 6    | the Tết holiday 8–14 February skipped |
      | Friday 1 March 2024        | 17   |                                      |

  Scenario Outline: A programme adopted by 31 January is on time
    Given stnmt.head adopted the 2024 work programme of STNMT on <adopted>
    When the inspector judges the ledger as of Tuesday 30 April 2024
    Then there is no WORK_PROGRAMME_LATE violation on STNMT

    Examples:
      | adopted                      |
      | Thursday 28 December 2023    |
      | Tuesday 2 January 2024       |
      | Wednesday 31 January 2024    |

  Scenario: Without a programme the violation stays open and grows
    Given sxd.head adopted the 2024 work programme of SXD on Wednesday 17 January 2024
    When the inspector judges the ledger as of Tuesday 20 February 2024
    Then there is a WORK_PROGRAMME_LATE violation on STNMT with no named official, late by 9 working days
    And it is open
    And it is due on Wednesday 31 January 2024
    And there is no WORK_PROGRAMME_LATE violation on SXD

  Scenario: Nobody is late on 31 January itself
    When the inspector judges the ledger as of Wednesday 31 January 2024
    Then there is no WORK_PROGRAMME_LATE violation

  Scenario: The Office of the People's Committee and the City Inspectorate are not held to it
    When the inspector judges the ledger as of Tuesday 30 April 2024
    Then there is no WORK_PROGRAMME_LATE violation on VP
    And there is no WORK_PROGRAMME_LATE violation on TTTP
    But there is a WORK_PROGRAMME_LATE violation on SXD with no named official, late by 56 working days

  Scenario Outline: Departments, boards and districts must adopt a programme
    Given the agency <code> "<name>" (<kind>) with mandate <mandate>
    When the inspector judges the ledger as of Friday 1 March 2024
    Then there is a WORK_PROGRAMME_LATE violation on <code> with no named official, late by 17 working days
    And it is open

    Examples:
      | code | name                                  | kind       | mandate          |
      | SCT  | Sở Công Thương                        | department | industry, trade  |
      | BDM  | Ban Đổi mới quản lý doanh nghiệp      | board      | enterprise_reform |
      | Q1   | Ủy ban nhân dân Quận 1                | district   | district_affairs |

  Scenario Outline: Other kinds of agency are not held to it
    Given the agency <code> "<name>" (<kind>) with mandate <mandate>
    When the inspector judges the ledger as of Friday 1 March 2024
    Then there is no WORK_PROGRAMME_LATE violation on <code>

    Examples:
      | code  | name                          | kind              | mandate        |
      | UBND  | Ủy ban nhân dân Thành phố     | people's committee | administration |
      | TTQ   | Thanh tra Quận 3              | inspectorate      | inspection     |
      | HDND  | Văn phòng Đoàn ĐBQH và HĐND   | other             | coordination   |

  Scenario Outline: Only agencies that existed before 1 January owe that year's programme
    Given the agency SCT "Sở Công Thương" (department) with mandate industry, trade, registered on <registered>
    When the inspector judges the ledger as of Tuesday 30 April 2024
    Then there is no WORK_PROGRAMME_LATE violation on SCT

    Examples:
      | registered               |
      | Monday 1 January 2024    |
      | Friday 1 March 2024      |

  Scenario: An agency registered on 29 December 2023 owes the 2024 programme
    Given the agency SCT "Sở Công Thương" (department) with mandate industry, trade, registered on Friday 29 December 2023
    When the inspector judges the ledger as of Friday 1 March 2024
    Then there is a WORK_PROGRAMME_LATE violation on SCT with no named official, late by 17 working days

  Scenario: An agency merged into another before 31 January owes no programme of its own
    Given the agency STNMT was merged into SXD on Monday 15 January 2024
    And sxd.head adopted the 2024 work programme of SXD on Wednesday 31 January 2024
    When the inspector judges the ledger as of Friday 1 March 2024
    Then there is no WORK_PROGRAMME_LATE violation

  Scenario: Each year is judged on its own, and a deadline that falls in the Tết holiday is not moved
    Given the ledger's clock reads Monday 3 March 2025
    And sxd.head adopted the 2024 work programme of SXD on Wednesday 31 January 2024
    And stnmt.head adopted the 2024 work programme of STNMT on Wednesday 31 January 2024
    And sxd.head adopted the 2025 work programme of SXD on Thursday 23 January 2025
    And stnmt.head adopted the 2025 work programme of STNMT on Monday 3 February 2025
    When the inspector judges the ledger as of Friday 28 February 2025
    Then there is a WORK_PROGRAMME_LATE violation on STNMT with no named official, late by 1 working day
    And it is due on Friday 31 January 2025
    And there is no WORK_PROGRAMME_LATE violation on SXD

  Scenario: An inspector's dismissal takes one agency's violation out of the report
    Given the inspector tttp.insp dismissed the WORK_PROGRAMME_LATE violation of STNMT for 2024 on Tuesday 5 March 2024
    When the inspector judges the ledger as of Tuesday 30 April 2024
    Then there is no WORK_PROGRAMME_LATE violation on STNMT
    But there is a WORK_PROGRAMME_LATE violation on SXD with no named official, late by 56 working days
    And it carries no finding
    When the inspector judges the ledger as of Tuesday 30 April 2024, dismissed violations included
    Then there is a WORK_PROGRAMME_LATE violation on STNMT with no named official, late by 56 working days
    And it is marked dismissed
