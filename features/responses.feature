Feature: A consulted agency answers clearly, within its mandate, and owns the matter
  "The consulted agency must answer on time, within its functions and duties, with a clear position and clear
  responsibility; no general or evasive answers" and "no passing the buck that slows the handling of the work"
  (Chỉ thị 01/2024). An answer is judged on what it says: its position (agree, disagree, conditional,
  not_competent), its reasoning, the conditions of a conditional agreement, the agency it refers the matter to,
  and the topics it claims to rule on, set against the answering agency's mandate on the day it answered.
  Each of these rules gives at most one violation per answer, on the answering agency and official.

  Background:
    Given the city registry of 1 December 2023
    And the agency SCT "Sở Công Thương" (department) with mandate industry, trade
    And sct.pmq is a specialist of SCT
    And vp.clerk opened case HCM-2024-0301 (REAL_ESTATE_DIFFICULTY) on Monday 4 March 2024
    And vp.clerk assigned the lead to SXD / sxd.nva on Monday 4 March 2024
    And sxd.nva consulted STNMT (C1) on Tuesday 5 March 2024 about land within 10 working days

  # --- EVASIVE_RESPONSE: no clear position, no reasons, conditions left unsaid ---

  Scenario Outline: An answer without a clear position, without reasons or without its conditions is evasive
    Given stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position   | <position>   |
      | reasoning  | <reasoning>  |
      | conditions | <conditions> |
    When the inspector judges the ledger as of Tuesday 12 March 2024
    Then there is an EVASIVE_RESPONSE violation for C1 on STNMT / stnmt.ltb
    And it is closed
    And it counts no days late
    And there is no LATE_RESPONSE violation

    Examples:
      | position    | reasoning                | conditions | what is wrong                              |
      | noted       | Đã nhận văn bản.         | (absent)   | "noted" is no position                     |
      | (absent)    | Hồ sơ đang được xem xét. | (absent)   | no position at all                         |
      | agree       | (absent)                 | (absent)   | no reasoning                               |
      | agree       |                          | (absent)   | a blank reasoning                          |
      | disagree    | (absent)                 | (absent)   | a refusal without reasons                  |
      | conditional | Cần làm rõ thêm.         | (absent)   | conditional, but on what?                  |
      | conditional | Cần làm rõ thêm.         |            | conditional with blank conditions          |
      | noted       | (absent)                 | (absent)   | two faults in one answer: still one breach |

  Scenario Outline: A reasoned position is a clear answer
    Given stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position    | <position>   |
      | reasoning   | <reasoning>  |
      | conditions  | <conditions> |
      | legal basis | Luật Đất đai 2013, Điều 100 |
    When the inspector judges the ledger as of Tuesday 12 March 2024
    Then there is no EVASIVE_RESPONSE violation
    And the case has no violations

    Examples:
      | position    | reasoning                                          | conditions                                       |
      | agree       | Đất có nguồn gốc hợp pháp theo hồ sơ địa chính.    | (absent)                                         |
      | disagree    | Khu đất nằm trong quy hoạch hành lang bảo vệ sông. | (absent)                                         |
      | conditional | Đất hợp pháp nhưng còn tranh chấp ranh giới.       | Chủ đầu tư hoàn tất đo đạc ranh giới trước khi khởi công. |

  # --- BUCK_PASSING: "not competent" on one's own matter, or without naming who is ---

  Scenario: Declaring itself not competent on land questions is buck passing by the land department
    Given stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position  | not_competent                      |
      | reasoning | Đề nghị Sở Xây dựng tự xem xét.    |
      | refer to  | SXD                                |
    When the inspector judges the ledger as of Tuesday 12 March 2024
    Then there is a BUCK_PASSING violation for C1 on STNMT / stnmt.ltb
    And it is closed
    And it counts no days late

  Scenario: Not competent on its own matter and naming no one: still one violation for the answer
    Given stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position  | not_competent                   |
      | reasoning | Không thuộc thẩm quyền của Sở.  |
    When the inspector judges the ledger as of Tuesday 12 March 2024
    Then there is a BUCK_PASSING violation for C1 on STNMT / stnmt.ltb
    And there is no EVASIVE_RESPONSE violation

  Scenario: An agency asked outside its mandate must still say who is competent
    Given sxd.nva consulted SCT (C2) on Tuesday 5 March 2024 about land within 10 working days
    And sct.pmq answered C2 on Monday 11 March 2024 with:
      | position  | not_competent                                 |
      | reasoning | Nguồn gốc đất không thuộc lĩnh vực công thương. |
    When the inspector judges the ledger as of Monday 11 March 2024
    Then there is a BUCK_PASSING violation for C2 on SCT / sct.pmq
    And there is an UNRELATED_CONSULTATION violation for C2 on SXD / sxd.nva
    And there is no BUCK_PASSING violation for C1

  Scenario: An agency asked outside its mandate that refers the matter to the competent agency does not pass the buck
    Given sxd.nva consulted SCT (C2) on Tuesday 5 March 2024 about land within 10 working days
    And sct.pmq answered C2 on Monday 11 March 2024 with:
      | position  | not_competent                                   |
      | reasoning | Nguồn gốc đất không thuộc lĩnh vực công thương. |
      | refer to  | STNMT                                           |
    When the inspector judges the ledger as of Monday 11 March 2024
    Then there is no BUCK_PASSING violation
    And there is no EVASIVE_RESPONSE violation
    But there is an UNRELATED_CONSULTATION violation for C2 on SXD / sxd.nva

  # --- OUT_OF_MANDATE_RESPONSE: ruling on topics outside one's functions ---

  Scenario Outline: An answer that rules on topics outside the agency's mandate
    Given stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position  | agree                               |
      | reasoning | Đất hợp pháp; thiết kế nhà ở đạt yêu cầu. |
      | domains   | <domains>                           |
    When the inspector judges the ledger as of Tuesday 12 March 2024
    Then there is an OUT_OF_MANDATE_RESPONSE violation for C1 on STNMT / stnmt.ltb
    And it is closed
    And it counts no days late

    Examples:
      | domains                     |
      | land, housing               |
      | construction                |
      | land, environment, industry |

  Scenario Outline: An answer that stays within the agency's mandate
    Given stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position  | agree                                          |
      | reasoning | Đất có nguồn gốc hợp pháp theo hồ sơ địa chính. |
      | domains   | <domains>                                      |
    When the inspector judges the ledger as of Tuesday 12 March 2024
    Then there is no OUT_OF_MANDATE_RESPONSE violation
    And the case has no violations

    Examples:
      | domains           |
      | land              |
      | land, environment |
      | (absent)          |

  Scenario: The mandate is the one the agency had on the day it answered
    Given the mandate of STNMT became land, environment, construction on Monday 1 April 2024
    And stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position  | agree                                   |
      | reasoning | Đất hợp pháp, công trình đạt chuẩn.     |
      | domains   | land, construction                      |
    When the inspector judges the ledger as of Tuesday 30 April 2024
    Then there is an OUT_OF_MANDATE_RESPONSE violation for C1 on STNMT / stnmt.ltb

  Scenario: After its mandate grew, the same answer is within it
    Given the mandate of STNMT became land, environment, construction on Monday 1 April 2024
    And stnmt.ltb answered C1 on Tuesday 2 April 2024 with:
      | position  | agree                                   |
      | reasoning | Đất hợp pháp, công trình đạt chuẩn.     |
      | domains   | land, construction                      |
    When the inspector judges the ledger as of Tuesday 30 April 2024
    Then there is no OUT_OF_MANDATE_RESPONSE violation
    But there is a LATE_RESPONSE violation for C1 on STNMT / stnmt.ltb late by 10 working days

  Scenario: Each faulty answer is judged on its own, on the agency and official who gave it
    Given sxd.nva consulted SCT (C2) on Tuesday 5 March 2024 about trade within 10 working days
    And stnmt.ltb answered C1 on Tuesday 12 March 2024 with:
      | position  | agree                                   |
      | reasoning | Đất hợp pháp, công trình đạt chuẩn.     |
      | domains   | land, construction                      |
    And sct.pmq answered C2 on Wednesday 13 March 2024 with:
      | position  | conditional                      |
      | reasoning | Cần đánh giá tác động thương mại. |
    When the inspector judges the ledger as of Wednesday 13 March 2024
    Then the case has exactly these violations:
      | rule                    | consultation | agency | official  | due | days_late | status |
      | EVASIVE_RESPONSE        | C2           | SCT    | sct.pmq   | —   | —         | closed |
      | OUT_OF_MANDATE_RESPONSE | C1           | STNMT  | stnmt.ltb | —   | —         | closed |
