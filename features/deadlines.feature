# language: vi
Tính năng: Giải quyết hồ sơ đúng hạn, xin lỗi và hẹn lại một lần, hướng dẫn bổ sung một lần
  "Kiên quyết không để xảy ra tình trạng chậm trễ" (Chỉ thị 01/2024). Hạn giải quyết hồ sơ là thời hạn của thủ
  tục tính bằng ngày làm việc từ ngày tiếp nhận; mỗi lần tạm dừng chờ bổ sung hồ sơ lùi hạn đúng bằng số ngày làm
  việc tạm dừng; phiếu xin lỗi và hẹn lại ngày trả kết quả không lùi hạn. Nếu hồ sơ quá hạn, cơ quan chủ trì phải
  gửi phiếu xin lỗi chậm nhất vào ngày làm việc cuối cùng trước hạn, và chỉ được hẹn lại một lần. Người nộp hồ sơ
  chỉ được hướng dẫn bổ sung một lần, bằng văn bản.

  Hồ sơ mẫu HCM-2024-0401 (tháo gỡ khó khăn bất động sản, 15 ngày làm việc) được tiếp nhận thứ Hai 04/03/2024,
  nên hạn giải quyết là thứ Hai 25/03/2024 và hạn gửi phiếu xin lỗi là thứ Sáu 22/03/2024.

  Bối cảnh:
    Cho sổ đăng ký của Thành phố ngày 01/12/2023
    Và sxd.pho là phó giám đốc của SXD
    Và thủ tục HOUSING_CONFIRMATION "Xác nhận thông tin nhà ở" có thời hạn 5 ngày làm việc, đầu mối là SXD, lĩnh vực housing
    Và vp.clerk tiếp nhận hồ sơ HCM-2024-0401 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 04/03/2024 (thứ Hai)

  # --- Quá hạn giải quyết (CASE_OVERDUE) ---

  Khung kịch bản: Giải quyết sau hạn là quá hạn, tính bằng ngày làm việc, và cơ quan chủ trì chịu trách nhiệm
    Cho sxd.head gửi phiếu xin lỗi ngày 21/03/2024 (thứ Năm), hẹn lại ngày 05/04/2024 (thứ Sáu)
    Và sxd.nva giải quyết xong hồ sơ ngày <ngày giải quyết>
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì có vi phạm CASE_OVERDUE của SXD / sxd.nva, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày 25/03/2024 (thứ Hai)
    Và vi phạm đã khép lại
    Và không có vi phạm APOLOGY_MISSING
    Và không có vi phạm RESCHEDULE_MISSED

    Dữ liệu:
      | ngày giải quyết      | số ngày chậm |
      | 26/03/2024 (thứ Ba)  | 1            |
      | 29/03/2024 (thứ Sáu) | 4            |
      | 01/04/2024 (thứ Hai) | 5            |

  Khung kịch bản: Giải quyết trong hạn thì không vi phạm
    Cho sxd.nva giải quyết xong hồ sơ ngày <ngày giải quyết>
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì không có vi phạm CASE_OVERDUE
    Và hồ sơ không có vi phạm nào

    Dữ liệu:
      | ngày giải quyết      |
      | 15/03/2024 (thứ Sáu) |
      | 22/03/2024 (thứ Sáu) |
      | 25/03/2024 (thứ Hai) |

  Kịch bản: Hồ sơ chưa giải quyết mà đã quá hạn: vi phạm còn mở
    Khi thanh tra xem xét sổ tính đến ngày 28/03/2024 (thứ Năm)
    Thì có vi phạm CASE_OVERDUE của SXD / sxd.nva, chậm 3 ngày làm việc
    Và hạn là ngày 25/03/2024
    Và vi phạm vẫn đang mở
    Và có vi phạm APOLOGY_MISSING của SXD / sxd.nva
    Và hạn là ngày 22/03/2024 (thứ Sáu)
    Và vi phạm vẫn đang mở
    Và vi phạm không tính số ngày chậm

  Kịch bản: Đến đúng ngày hạn mà chưa giải quyết thì chưa quá hạn
    Khi thanh tra xem xét sổ tính đến ngày 25/03/2024 (thứ Hai)
    Thì hồ sơ không có vi phạm nào

  Khung kịch bản: Cán bộ chủ trì vào cuối ngày làm việc đầu tiên sau hạn chịu trách nhiệm về việc quá hạn
    Cho vp.clerk giao lại cho SXD / sxd.head chủ trì ngày <ngày giao lại>, lý do "Giám đốc Sở trực tiếp chỉ đạo"
    Và sxd.head giải quyết xong hồ sơ ngày 29/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì có vi phạm CASE_OVERDUE của SXD / <người chịu trách nhiệm>, chậm 4 ngày làm việc
    Và hạn là ngày 25/03/2024

    Dữ liệu:
      | ngày giao lại        | người chịu trách nhiệm | ghi chú                                         |
      | 22/03/2024 (thứ Sáu) | sxd.head               | giao lại trước hạn                              |
      | 26/03/2024 (thứ Ba)  | sxd.head               | ngày làm việc đầu tiên sau hạn                  |
      | 27/03/2024 (thứ Tư)  | sxd.nva                | giao lại sau đó không chuyển trách nhiệm đã phát sinh |

  # --- Tạm dừng chờ bổ sung hồ sơ ---

  Khung kịch bản: Thời gian chờ bổ sung hồ sơ được cộng vào hạn giải quyết
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 11/03/2024 (thứ Hai)
    Và sxd.nva nhận hồ sơ bổ sung ngày 15/03/2024 (thứ Sáu)
    Và sxd.nva giải quyết xong hồ sơ ngày <ngày giải quyết>
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì có vi phạm CASE_OVERDUE của SXD / sxd.nva, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày 29/03/2024 (thứ Sáu)

    Dữ liệu:
      | ngày giải quyết      | số ngày chậm |
      | 01/04/2024 (thứ Hai) | 1            |
      | 03/04/2024 (thứ Tư)  | 3            |

  Kịch bản: Giải quyết trong hạn đã được lùi do chờ bổ sung thì không quá hạn
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 11/03/2024 (thứ Hai)
    Và sxd.nva nhận hồ sơ bổ sung ngày 15/03/2024 (thứ Sáu)
    Và sxd.nva giải quyết xong hồ sơ ngày 29/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì không có vi phạm CASE_OVERDUE
    Và không có vi phạm APOLOGY_MISSING
    Và hồ sơ không có vi phạm nào

  Kịch bản: Đang tạm dừng chờ bổ sung thì chưa xét quá hạn
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 27/03/2024 (thứ Tư)
    Khi thanh tra xem xét sổ tính đến ngày 05/04/2024 (thứ Sáu)
    Thì không có vi phạm CASE_OVERDUE
    Và không có vi phạm APOLOGY_MISSING

  Kịch bản: Nhận đủ hồ sơ bổ sung thì hồ sơ lại được xét, với hạn đã lùi bằng số ngày tạm dừng
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 27/03/2024 (thứ Tư)
    Và sxd.nva nhận hồ sơ bổ sung ngày 08/04/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 08/04/2024 (thứ Hai)
    Thì có vi phạm CASE_OVERDUE của SXD / sxd.nva, chậm 2 ngày làm việc
    Và hạn là ngày 04/04/2024 (thứ Năm)
    Và vi phạm vẫn đang mở

  Khung kịch bản: Tạm dừng trước hạn: xét theo hạn mới sau khi nhận bổ sung
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 20/03/2024 (thứ Tư)
    Và sxd.nva nhận hồ sơ bổ sung ngày 08/04/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày <ngày xem xét>
    Thì có vi phạm CASE_OVERDUE của SXD / sxd.nva, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày 11/04/2024 (thứ Năm)

    Dữ liệu:
      | ngày xem xét         | số ngày chậm | ghi chú                          |
      | 12/04/2024 (thứ Sáu) | 1            |                                  |
      | 17/04/2024 (thứ Tư)  | 4            |                                  |
      | 19/04/2024 (thứ Sáu) | 5            | Giỗ Tổ Hùng Vương 18/04 không tính |

  Kịch bản: Tạm dừng trước hạn: đến hạn mới thì chưa quá hạn
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 20/03/2024 (thứ Tư)
    Và sxd.nva nhận hồ sơ bổ sung ngày 08/04/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 11/04/2024 (thứ Năm)
    Thì không có vi phạm CASE_OVERDUE

  # --- Hướng dẫn bổ sung hồ sơ nhiều lần (REPEATED_SUPPLEMENT_REQUEST) ---

  Kịch bản: Yêu cầu bổ sung lần thứ hai là vi phạm, dù hạn vẫn được lùi theo cả hai lần tạm dừng
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 06/03/2024 (thứ Tư)
    Và sxd.nva nhận hồ sơ bổ sung ngày 08/03/2024 (thứ Sáu)
    Và sxd.nva yêu cầu bổ sung hồ sơ ngày 12/03/2024 (thứ Ba)
    Và sxd.nva nhận hồ sơ bổ sung ngày 14/03/2024 (thứ Năm)
    Và sxd.nva giải quyết xong hồ sơ ngày 29/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule                        | agency | official | due | days_late | status |
      | REPEATED_SUPPLEMENT_REQUEST | SXD    | sxd.nva  | —   | —         | closed |

  Kịch bản: Yêu cầu bổ sung lần thứ hai khi lần đầu chưa được đáp ứng vẫn được ghi nhận, và thời gian tạm dừng tính từ yêu cầu đầu tiên
    # Tạm dừng từ 06/03 đến 14/03: 6 ngày làm việc, hạn lùi đến thứ Ba 02/04/2024 (tính từ yêu cầu thứ hai
    # thì chỉ lùi 4 ngày, đến 29/03, và giải quyết ngày 02/04 là chậm).
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 06/03/2024 (thứ Tư)
    Và sxd.nva yêu cầu bổ sung hồ sơ ngày 08/03/2024 (thứ Sáu)
    Và sxd.nva nhận hồ sơ bổ sung ngày 14/03/2024 (thứ Năm)
    Và sxd.nva giải quyết xong hồ sơ ngày 02/04/2024 (thứ Ba)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule                        | agency | official | due | days_late | status |
      | REPEATED_SUPPLEMENT_REQUEST | SXD    | sxd.nva  | —   | —         | closed |

  Kịch bản: Một lần nhận hồ sơ bổ sung đáp ứng mọi yêu cầu còn mở, và hồ sơ lại được xét quá hạn
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 06/03/2024 (thứ Tư)
    Và sxd.nva yêu cầu bổ sung hồ sơ ngày 08/03/2024 (thứ Sáu)
    Và sxd.nva nhận hồ sơ bổ sung ngày 14/03/2024 (thứ Năm)
    Khi thanh tra xem xét sổ tính đến ngày 03/04/2024 (thứ Tư)
    Thì có vi phạm CASE_OVERDUE của SXD / sxd.nva, chậm 1 ngày làm việc
    Và hạn là ngày 02/04/2024 (thứ Ba)
    Và vi phạm vẫn đang mở
    Và có vi phạm REPEATED_SUPPLEMENT_REQUEST của SXD / sxd.nva

  Kịch bản: Hướng dẫn bổ sung một lần thì không vi phạm
    Cho sxd.nva yêu cầu bổ sung hồ sơ ngày 06/03/2024 (thứ Tư)
    Và sxd.nva nhận hồ sơ bổ sung ngày 08/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì không có vi phạm REPEATED_SUPPLEMENT_REQUEST

  # --- Phiếu xin lỗi (APOLOGY_MISSING) ---

  Kịch bản: Hồ sơ quá hạn mà không có phiếu xin lỗi
    Cho sxd.nva giải quyết xong hồ sơ ngày 29/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule            | agency | official | due        | days_late | status |
      | CASE_OVERDUE    | SXD    | sxd.nva  | 25/03/2024 | 4         | closed |
      | APOLOGY_MISSING | SXD    | sxd.nva  | 22/03/2024 | —         | closed |

  Kịch bản: Phiếu xin lỗi gửi vào ngày hạn là đã muộn
    Cho sxd.head gửi phiếu xin lỗi ngày 25/03/2024 (thứ Hai), hẹn lại ngày 29/03/2024 (thứ Sáu)
    Và sxd.nva giải quyết xong hồ sơ ngày 29/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì có vi phạm APOLOGY_MISSING của SXD / sxd.nva
    Và hạn là ngày 22/03/2024
    Và không có vi phạm RESCHEDULE_MISSED

  Khung kịch bản: Xin lỗi kịp thời và trả kết quả đúng ngày hẹn: chỉ còn vi phạm quá hạn
    Cho <người ký> gửi phiếu xin lỗi ngày <ngày xin lỗi>, hẹn lại ngày 29/03/2024 (thứ Sáu)
    Và sxd.nva giải quyết xong hồ sơ ngày 29/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì không có vi phạm APOLOGY_MISSING
    Và không có vi phạm RESCHEDULE_MISSED
    Và không có vi phạm RESCHEDULE_REPEATED
    Và có vi phạm CASE_OVERDUE của SXD / sxd.nva, chậm 4 ngày làm việc
    Và hạn là ngày 25/03/2024

    Dữ liệu:
      | người ký | ngày xin lỗi         | ghi chú                          |
      | sxd.head | 22/03/2024 (thứ Sáu) | giám đốc, ngày làm việc cuối cùng trước hạn |
      | sxd.pho  | 20/03/2024 (thứ Tư)  | phó giám đốc                     |

  # --- Trễ hẹn lại (RESCHEDULE_MISSED) và hẹn lại nhiều lần (RESCHEDULE_REPEATED) ---

  Kịch bản: Trả kết quả sau ngày đã hẹn lại
    Cho sxd.head gửi phiếu xin lỗi ngày 22/03/2024 (thứ Sáu), hẹn lại ngày 29/03/2024 (thứ Sáu)
    Và sxd.nva giải quyết xong hồ sơ ngày 03/04/2024 (thứ Tư)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule              | agency | official | due        | days_late | status |
      | CASE_OVERDUE      | SXD    | sxd.nva  | 25/03/2024 | 7         | closed |
      | RESCHEDULE_MISSED | SXD    | sxd.nva  | 29/03/2024 | 3         | closed |

  Kịch bản: Đã qua ngày hẹn lại mà chưa trả kết quả: vi phạm còn mở
    Cho sxd.head gửi phiếu xin lỗi ngày 22/03/2024 (thứ Sáu), hẹn lại ngày 29/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 03/04/2024 (thứ Tư)
    Thì có vi phạm RESCHEDULE_MISSED của SXD / sxd.nva, chậm 3 ngày làm việc
    Và hạn là ngày 29/03/2024
    Và vi phạm vẫn đang mở

  Kịch bản: Xin lỗi lần thứ hai là vi phạm, và không lùi được ngày đã hẹn lần đầu
    Cho sxd.head gửi phiếu xin lỗi ngày 22/03/2024 (thứ Sáu), hẹn lại ngày 29/03/2024 (thứ Sáu)
    Và sxd.pho gửi phiếu xin lỗi ngày 28/03/2024 (thứ Năm), hẹn lại ngày 05/04/2024 (thứ Sáu)
    Và sxd.nva giải quyết xong hồ sơ ngày 05/04/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule                | agency | official | due        | days_late | status |
      | CASE_OVERDUE        | SXD    | sxd.nva  | 25/03/2024 | 9         | closed |
      | RESCHEDULE_MISSED   | SXD    | sxd.nva  | 29/03/2024 | 5         | closed |
      | RESCHEDULE_REPEATED | SXD    | sxd.pho  | —          | —         | closed |

  Kịch bản: Trễ hẹn lại khi đang chờ bổ sung: như quá hạn, cán bộ chủ trì sau hạn giải quyết (đã lùi) chịu trách nhiệm
    # Đang tạm dừng từ 14/03, tính đến 22/03 là 6 ngày làm việc: hạn giải quyết lùi đến 02/04/2024, nên
    # người chủ trì vào cuối ngày 03/04 (sxd.head) chịu trách nhiệm, không phải người chủ trì sau ngày hẹn 15/03.
    Cho sxd.head gửi phiếu xin lỗi ngày 12/03/2024 (thứ Ba), hẹn lại ngày 15/03/2024 (thứ Sáu)
    Và sxd.nva yêu cầu bổ sung hồ sơ ngày 14/03/2024 (thứ Năm)
    Và vp.clerk giao lại cho SXD / sxd.head chủ trì ngày 19/03/2024 (thứ Ba), lý do "Giám đốc Sở trực tiếp chỉ đạo"
    Khi thanh tra xem xét sổ tính đến ngày 22/03/2024 (thứ Sáu)
    Thì có vi phạm RESCHEDULE_MISSED của SXD / sxd.head, chậm 5 ngày làm việc
    Và hạn là ngày 15/03/2024 (thứ Sáu)
    Và vi phạm vẫn đang mở
    Và không có vi phạm CASE_OVERDUE
    Khi thanh tra xem báo cáo hôm nay
    Thì có vi phạm RESCHEDULE_MISSED của SXD / sxd.head
    Và vi phạm vẫn đang mở

  Khung kịch bản: Trễ hẹn lại khi đang chờ bổ sung: thời gian tạm dừng tính đến ngày xem xét quyết định ai chịu trách nhiệm
    # Hạn 25/03 đã qua khi yêu cầu bổ sung ngày 28/03; tạm dừng tính đến ngày xem xét lùi hạn giải quyết:
    # đến 03/04 là 4 ngày (hạn 29/03, người chủ trì cuối ngày 01/04 là sxd.nva), đến 05/04 là 6 ngày
    # (hạn 02/04, người chủ trì cuối ngày 03/04 là sxd.head, được giao lại ngày 02/04).
    Cho sxd.head gửi phiếu xin lỗi ngày 22/03/2024 (thứ Sáu), hẹn lại ngày 27/03/2024 (thứ Tư)
    Và sxd.nva yêu cầu bổ sung hồ sơ ngày 28/03/2024 (thứ Năm)
    Và vp.clerk giao lại cho SXD / sxd.head chủ trì ngày 02/04/2024 (thứ Ba), lý do "Giám đốc Sở trực tiếp chỉ đạo"
    Khi thanh tra xem xét sổ tính đến ngày <ngày xem xét>
    Thì có vi phạm RESCHEDULE_MISSED của SXD / <người chịu trách nhiệm>, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày 27/03/2024 (thứ Tư)
    Và vi phạm vẫn đang mở

    Dữ liệu:
      | ngày xem xét         | người chịu trách nhiệm | số ngày chậm |
      | 03/04/2024 (thứ Tư)  | sxd.nva                | 5            |
      | 05/04/2024 (thứ Sáu) | sxd.head               | 7            |

  # --- Thứ Bảy làm bù 04/05/2024 là ngày làm việc ---

  Kịch bản: Thứ Bảy làm bù 04/05/2024 được tính vào thời hạn giải quyết
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0402 (HOUSING_CONFIRMATION) ngày 25/04/2024 (thứ Năm)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 25/04/2024 (thứ Năm)
    Và sxd.nva giải quyết xong hồ sơ ngày 07/05/2024 (thứ Ba)
    Khi thanh tra xem xét sổ tính đến ngày 31/05/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule            | agency | official | due                   | days_late | status |
      | CASE_OVERDUE    | SXD    | sxd.nva  | 06/05/2024 (thứ Hai)  | 1         | closed |
      | APOLOGY_MISSING | SXD    | sxd.nva  | 04/05/2024 (thứ Bảy)  | —         | closed |

  Khung kịch bản: Hồ sơ 5 ngày làm việc tiếp nhận ngày 25/04/2024 đến hạn thứ Hai 06/05/2024
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0403 (HOUSING_CONFIRMATION) ngày 25/04/2024 (thứ Năm)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 25/04/2024 (thứ Năm)
    Và sxd.nva giải quyết xong hồ sơ ngày <ngày giải quyết>
    Khi thanh tra xem xét sổ tính đến ngày 31/05/2024
    Thì hồ sơ không có vi phạm nào

    Dữ liệu:
      | ngày giải quyết      |
      | 04/05/2024 (thứ Bảy) |
      | 06/05/2024 (thứ Hai) |

  Kịch bản: Phiếu xin lỗi gửi vào thứ Bảy làm bù 04/05/2024 là kịp thời
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0404 (HOUSING_CONFIRMATION) ngày 25/04/2024 (thứ Năm)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 25/04/2024 (thứ Năm)
    Và sxd.head gửi phiếu xin lỗi ngày 04/05/2024 (thứ Bảy), hẹn lại ngày 08/05/2024 (thứ Tư)
    Và sxd.nva giải quyết xong hồ sơ ngày 08/05/2024 (thứ Tư)
    Khi thanh tra xem xét sổ tính đến ngày 31/05/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule         | agency | official | due        | days_late | status |
      | CASE_OVERDUE | SXD    | sxd.nva  | 06/05/2024 | 2         | closed |
