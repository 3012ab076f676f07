# language: vi
Tính năng: Lấy ý kiến đúng cơ quan, không trùng lặp, và được trả lời đúng hạn
  "Chỉ lấy ý kiến các cơ quan liên quan trực tiếp đến đề án, dự án..., không lấy ý kiến phối hợp của cơ quan
  không liên quan hoặc không cần thiết." "Cơ quan được lấy ý kiến có trách nhiệm trả lời đúng hạn."
  Hạn trả lời là số ngày làm việc ghi trong văn bản xin ý kiến (mặc định 15 ngày làm việc), tính từ ngày gửi.
  Trả lời sau hạn ít nhất một ngày làm việc là chậm; quá hạn mà không trả lời thì coi như đồng ý, nhưng cơ
  quan được hỏi vẫn bị ghi nhận trả lời chậm. Yêu cầu đã rút thì không còn nghĩa vụ trả lời.

  Bối cảnh:
    Cho sổ đăng ký của Thành phố ngày 01/12/2023
    Và cơ quan SCT "Sở Công Thương" (sở) có chức năng industry, trade
    Và sct.pmq là chuyên viên của SCT
    Và vp.clerk tiếp nhận hồ sơ HCM-2024-0201 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 04/03/2024 (thứ Hai)

  # --- Lấy ý kiến cơ quan không liên quan (UNRELATED_CONSULTATION) ---

  Kịch bản: Hỏi Sở Công Thương về nguồn gốc đất là lấy ý kiến cơ quan không liên quan
    Cho sxd.nva lấy ý kiến SCT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 06/03/2024
    Thì có vi phạm UNRELATED_CONSULTATION đối với C1 của SXD / sxd.nva
    Và vi phạm đã khép lại
    Và vi phạm không tính số ngày chậm

  Kịch bản: Văn bản xin ý kiến không nêu lĩnh vực thì xét theo lĩnh vực của hồ sơ (bất động sản)
    Cho sxd.nva lấy ý kiến SCT (C1) ngày 05/03/2024 (thứ Ba), hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 06/03/2024
    Thì có vi phạm UNRELATED_CONSULTATION đối với C1 của SXD / sxd.nva

  Khung kịch bản: Hỏi cơ quan có chức năng về đúng lĩnh vực thì không vi phạm
    Cho sxd.nva lấy ý kiến <cơ quan> (C1) ngày 05/03/2024 (thứ Ba) về <lĩnh vực>, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 06/03/2024
    Thì không có vi phạm UNRELATED_CONSULTATION
    Và hồ sơ không có vi phạm nào

    Dữ liệu:
      | cơ quan | lĩnh vực            |
      | STNMT   | land                |
      | STNMT   | environment         |
      | SCT     | trade               |
      | SCT     | real_estate, trade  |

  # --- Lấy ý kiến trùng lặp (REDUNDANT_CONSULTATION) ---

  Kịch bản: Hỏi lại Sở Tài nguyên và Môi trường khi văn bản trước chưa được trả lời
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Và sxd.nva lấy ý kiến STNMT (C2) ngày 07/03/2024 (thứ Năm) về land, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 08/03/2024
    Thì có vi phạm REDUNDANT_CONSULTATION đối với C2 của SXD / sxd.nva
    Và vi phạm đã khép lại
    Và vi phạm không tính số ngày chậm
    Và không có vi phạm REDUNDANT_CONSULTATION đối với C1

  Kịch bản: Văn bản trước đã quá hạn nhưng chưa được trả lời thì hỏi lại vẫn là trùng lặp
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 2 ngày làm việc
    Và sxd.nva lấy ý kiến STNMT (C2) ngày 12/03/2024 (thứ Ba) về land, hạn 5 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 12/03/2024
    Thì có vi phạm REDUNDANT_CONSULTATION đối với C2 của SXD / sxd.nva
    Và có vi phạm LATE_RESPONSE đối với C1 của STNMT, không nêu tên cán bộ, chậm 3 ngày làm việc

  Kịch bản: Hỏi lại sau khi đã nhận được trả lời thì không trùng lặp
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Và stnmt.ltb trả lời C1 ngày 07/03/2024 (thứ Năm): đồng ý, "Đất có nguồn gốc hợp pháp."
    Và sxd.nva lấy ý kiến STNMT (C2) ngày 08/03/2024 (thứ Sáu) về environment, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 08/03/2024
    Thì không có vi phạm REDUNDANT_CONSULTATION
    Và hồ sơ không có vi phạm nào

  Kịch bản: Hỏi lại sau khi đã rút văn bản trước thì không trùng lặp
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Và sxd.nva rút yêu cầu C1 ngày 07/03/2024 (thứ Năm)
    Và sxd.nva lấy ý kiến STNMT (C2) ngày 08/03/2024 (thứ Sáu) về land, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 08/03/2024
    Thì không có vi phạm REDUNDANT_CONSULTATION

  Kịch bản: Hai văn bản hỏi cùng một cơ quan vào cùng một thời điểm: văn bản ghi sổ sau là trùng lặp
    Cho sxd.nva lấy ý kiến STNMT (C2) ngày 05/03/2024 (thứ Ba) lúc 10:00 về land, hạn 10 ngày làm việc
    Và sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) lúc 10:00 về land, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 06/03/2024
    Thì có vi phạm REDUNDANT_CONSULTATION đối với C1 của SXD / sxd.nva
    Và không có vi phạm REDUNDANT_CONSULTATION đối với C2

  Kịch bản: Hỏi lại đúng vào lúc văn bản trước được trả lời, khi câu trả lời đã vào sổ trước, thì không trùng lặp
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Và stnmt.ltb trả lời C1 ngày 07/03/2024 (thứ Năm) lúc 10:00: đồng ý, "Đất có nguồn gốc hợp pháp."
    Và sxd.nva lấy ý kiến STNMT (C2) ngày 07/03/2024 (thứ Năm) lúc 10:00 về environment, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 08/03/2024
    Thì không có vi phạm REDUNDANT_CONSULTATION

  Kịch bản: Hỏi lại đúng vào lúc văn bản trước được trả lời, khi câu trả lời vào sổ sau, thì văn bản trước vẫn đang mở
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Và sxd.nva lấy ý kiến STNMT (C2) ngày 07/03/2024 (thứ Năm) lúc 10:00 về environment, hạn 10 ngày làm việc
    Và stnmt.ltb trả lời C1 ngày 07/03/2024 (thứ Năm) lúc 10:00: đồng ý, "Đất có nguồn gốc hợp pháp."
    Khi thanh tra xem xét sổ tính đến ngày 08/03/2024
    Thì có vi phạm REDUNDANT_CONSULTATION đối với C2 của SXD / sxd.nva

  Kịch bản: Hỏi lại đúng vào lúc rút văn bản trước, khi việc rút vào sổ sau, thì văn bản trước vẫn đang mở
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Và sxd.nva lấy ý kiến STNMT (C2) ngày 07/03/2024 (thứ Năm) lúc 10:00 về land, hạn 10 ngày làm việc
    Và sxd.nva rút yêu cầu C1 ngày 07/03/2024 (thứ Năm) lúc 10:00
    Khi thanh tra xem xét sổ tính đến ngày 08/03/2024
    Thì có vi phạm REDUNDANT_CONSULTATION đối với C2 của SXD / sxd.nva

  Kịch bản: Cùng lúc hỏi hai cơ quan khác nhau thì không trùng lặp
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 10 ngày làm việc
    Và sxd.nva lấy ý kiến SCT (C2) ngày 05/03/2024 (thứ Ba) về trade, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 06/03/2024
    Thì không có vi phạm REDUNDANT_CONSULTATION
    Và hồ sơ không có vi phạm nào

  # --- Trả lời chậm (LATE_RESPONSE) ---

  Khung kịch bản: Trả lời sau hạn là chậm, tính bằng ngày làm việc
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Và stnmt.ltb trả lời C1 ngày <ngày trả lời>: đồng ý, "Đất có nguồn gốc hợp pháp."
    Khi thanh tra xem xét sổ tính đến ngày 29/03/2024
    Thì có vi phạm LATE_RESPONSE đối với C1 của STNMT / stnmt.ltb, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày 15/03/2024 (thứ Sáu)
    Và vi phạm đã khép lại
    Và không phải trường hợp coi như đồng ý

    Dữ liệu:
      | ngày trả lời         | số ngày chậm |
      | 18/03/2024 (thứ Hai) | 1            |
      | 20/03/2024 (thứ Tư)  | 3            |
      | 29/03/2024 (thứ Sáu) | 10           |

  Khung kịch bản: Trả lời đến hạn, hoặc vào thứ Bảy, Chủ nhật ngay sau hạn thứ Sáu, thì không chậm
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Và stnmt.ltb trả lời C1 ngày <ngày trả lời>: đồng ý, "Đất có nguồn gốc hợp pháp."
    Khi thanh tra xem xét sổ tính đến ngày 20/03/2024
    Thì không có vi phạm LATE_RESPONSE
    Và hồ sơ không có vi phạm nào

    Dữ liệu:
      | ngày trả lời          |
      | 12/03/2024 (thứ Ba)   |
      | 15/03/2024 (thứ Sáu)  |
      | 16/03/2024 (thứ Bảy)  |
      | 17/03/2024 (Chủ nhật) |

  Kịch bản: Cán bộ được phân công xử lý chịu trách nhiệm dù lãnh đạo ký văn bản trả lời
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Và stnmt.head phân công stnmt.ltb xử lý C1 ngày 06/03/2024 (thứ Tư)
    Và stnmt.head trả lời C1 ngày 20/03/2024 (thứ Tư): đồng ý, "Đất có nguồn gốc hợp pháp."
    Khi thanh tra xem xét sổ tính đến ngày 29/03/2024
    Thì có vi phạm LATE_RESPONSE đối với C1 của STNMT / stnmt.ltb, chậm 3 ngày làm việc
    Và không có vi phạm LATE_RESPONSE của STNMT / stnmt.head

  Kịch bản: Quá hạn mà không trả lời thì coi như đồng ý, và cơ quan được hỏi vẫn vi phạm
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 22/03/2024 (thứ Sáu)
    Thì có vi phạm LATE_RESPONSE đối với C1 của STNMT, không nêu tên cán bộ, chậm 5 ngày làm việc
    Và hạn là ngày 15/03/2024
    Và vi phạm vẫn đang mở
    Và ý kiến được coi là đồng ý vì không trả lời

  Kịch bản: Không trả lời sau khi đã phân công xử lý thì cán bộ được phân công chịu trách nhiệm
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Và stnmt.head phân công stnmt.ltb xử lý C1 ngày 06/03/2024 (thứ Tư)
    Khi thanh tra xem xét sổ tính đến ngày 18/03/2024 (thứ Hai)
    Thì có vi phạm LATE_RESPONSE đối với C1 của STNMT / stnmt.ltb, chậm 1 ngày làm việc
    Và vi phạm vẫn đang mở
    Và ý kiến được coi là đồng ý vì không trả lời

  Kịch bản: Chưa đến hạn trả lời thì chưa vi phạm
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 17/03/2024 (Chủ nhật)
    Thì không có vi phạm LATE_RESPONSE

  Khung kịch bản: Văn bản xin ý kiến đã rút thì không tính trả lời chậm
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Và sxd.nva rút yêu cầu C1 ngày <ngày rút>
    Khi thanh tra xem xét sổ tính đến ngày 29/03/2024
    Thì không có vi phạm LATE_RESPONSE

    Dữ liệu:
      | ngày rút             | ghi chú      |
      | 12/03/2024 (thứ Ba)  | trước hạn    |
      | 20/03/2024 (thứ Tư)  | sau hạn      |

  Kịch bản: Hồ sơ đã giải quyết xong thì văn bản chưa được trả lời được xét tại ngày giải quyết
    Cho sxd.nva lấy ý kiến STNMT (C1) ngày 05/03/2024 (thứ Ba) về land, hạn 8 ngày làm việc
    Và sxd.nva giải quyết xong hồ sơ ngày 20/03/2024 (thứ Tư)
    Khi thanh tra xem xét sổ tính đến ngày 29/03/2024
    Thì có vi phạm LATE_RESPONSE đối với C1 của STNMT, không nêu tên cán bộ, chậm 3 ngày làm việc
    Và hạn là ngày 15/03/2024
    Và vi phạm đã khép lại
    Và ý kiến được coi là đồng ý vì không trả lời

  Khung kịch bản: Ngày nghỉ Tết Giáp Thìn (08–14/02/2024) không tính vào thời hạn trả lời
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0202 (REAL_ESTATE_DIFFICULTY) ngày 02/02/2024 (thứ Sáu)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 02/02/2024 (thứ Sáu)
    Và sxd.nva lấy ý kiến STNMT (C1) ngày 05/02/2024 (thứ Hai) về land, hạn 10 ngày làm việc
    Và stnmt.ltb trả lời C1 ngày <ngày trả lời>: đồng ý, "Đất có nguồn gốc hợp pháp."
    Khi thanh tra xem xét sổ tính đến ngày 29/02/2024
    Thì có vi phạm LATE_RESPONSE đối với C1 của STNMT / stnmt.ltb, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày 26/02/2024 (thứ Hai)

    Dữ liệu:
      | ngày trả lời         | số ngày chậm |
      | 27/02/2024 (thứ Ba)  | 1            |
      | 29/02/2024 (thứ Năm) | 3            |

  Kịch bản: Trả lời trong thời hạn đã được kéo dài bởi kỳ nghỉ Tết thì không chậm
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0203 (REAL_ESTATE_DIFFICULTY) ngày 02/02/2024 (thứ Sáu)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 02/02/2024 (thứ Sáu)
    Và sxd.nva lấy ý kiến STNMT (C1) ngày 05/02/2024 (thứ Hai) về land, hạn 10 ngày làm việc
    Và stnmt.ltb trả lời C1 ngày 23/02/2024 (thứ Sáu): đồng ý, "Đất có nguồn gốc hợp pháp."
    Khi thanh tra xem xét sổ tính đến ngày 29/02/2024
    Thì không có vi phạm LATE_RESPONSE

  Khung kịch bản: Không ghi hạn thì hạn trả lời mặc định là 15 ngày làm việc
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0204 (REAL_ESTATE_DIFFICULTY) ngày 02/02/2024 (thứ Sáu)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 02/02/2024 (thứ Sáu)
    Và sxd.nva lấy ý kiến STNMT (C1) ngày 05/02/2024 (thứ Hai) về land
    Khi thanh tra xem xét sổ tính đến ngày <ngày xem xét>
    Thì có vi phạm LATE_RESPONSE đối với C1 của STNMT, không nêu tên cán bộ, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày 04/03/2024 (thứ Hai)
    Và vi phạm vẫn đang mở

    Dữ liệu:
      | ngày xem xét         | số ngày chậm |
      | 05/03/2024 (thứ Ba)  | 1            |
      | 11/03/2024 (thứ Hai) | 5            |

  # --- Ví dụ tổng hợp: tests/data/national-day-2024.jsonl ---

  Kịch bản: Hồ sơ dự án khu dân cư Tân Kiên qua kỳ nghỉ Quốc khánh 2024
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0901 (REAL_ESTATE_DIFFICULTY) ngày 26/08/2024 (thứ Hai)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 28/08/2024 (thứ Tư)
    Và sxd.nva lấy ý kiến STNMT (C1) ngày 29/08/2024 (thứ Năm) về land, hạn 5 ngày làm việc
    Và sxd.nva lấy ý kiến SCT (C2) ngày 29/08/2024 (thứ Năm), hạn 5 ngày làm việc
    Và sct.pmq trả lời C2 ngày 05/09/2024 (thứ Năm) với nội dung:
      | quan điểm  | không thuộc thẩm quyền                      |
      | lý do      | Nội dung không thuộc lĩnh vực công thương.  |
      | chuyển đến | SXD                                         |
    Và stnmt.ltb trả lời C1 ngày 11/09/2024 (thứ Tư) lúc 16:00: đồng ý, "Đất có nguồn gốc hợp pháp theo hồ sơ địa chính."
    Và sxd.head gửi phiếu xin lỗi ngày 17/09/2024 (thứ Ba), hẹn lại ngày 25/09/2024 (thứ Tư)
    Và sxd.nva giải quyết xong hồ sơ ngày 24/09/2024 (thứ Ba)
    Khi thanh tra xem xét sổ tính đến ngày 30/09/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule                   | consultation | agency | official  | due        | days_late | status | deemed_consent |
      | NO_LEAD                | —            | VP     | —         | 27/08/2024 | 1         | closed | không          |
      | UNRELATED_CONSULTATION | C2           | SXD    | sxd.nva   | —          | —         | closed | không          |
      | LATE_RESPONSE          | C1           | STNMT  | stnmt.ltb | 09/09/2024 | 2         | closed | không          |
      | CASE_OVERDUE           | —            | SXD    | sxd.nva   | 18/09/2024 | 4         | closed | không          |
