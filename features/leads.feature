# language: vi
Tính năng: Mỗi hồ sơ có một đơn vị và một cán bộ chủ trì, đúng cơ quan đầu mối
  "Mỗi công việc được giao cho một đơn vị, một công chức, viên chức làm đầu mối chủ trì theo dõi xử lý
  và chịu trách nhiệm chính." Hồ sơ phải được giao chủ trì chậm nhất vào ngày làm việc tiếp theo ngày
  tiếp nhận (Nghị định 30/2020/NĐ-CP, Điều 4); nếu không, cơ quan đã tiếp nhận hồ sơ chịu vi phạm NO_LEAD.
  Sở Xây dựng là đầu mối tháo gỡ khó khăn của doanh nghiệp bất động sản, Sở Tài chính là đầu mối kiến nghị
  của doanh nghiệp 100% vốn nhà nước: giao chủ trì cho cơ quan khác là vi phạm WRONG_FOCAL_POINT của người giao.
  Ngày làm việc không tính thứ Bảy, Chủ nhật và ngày nghỉ lễ (Tết 08–14/02/2024, 18/04, 29/04–01/05,
  02–03/09/2024), nhưng tính thứ Bảy làm bù 04/05/2024.

  Bối cảnh:
    Cho sổ đăng ký của Thành phố ngày 01/12/2023
    Và cơ quan STC "Sở Tài chính" (sở) có chức năng finance, budget, state_enterprise
    Và stc.pttt là chuyên viên của STC
    Và thủ tục SOE_PETITION "Giải quyết kiến nghị của doanh nghiệp 100% vốn nhà nước" có thời hạn 15 ngày làm việc, đầu mối là STC, lĩnh vực state_enterprise, finance
    Và thủ tục LAND_ALLOCATION "Giao đất, cho thuê đất" có thời hạn 20 ngày làm việc, không có cơ quan đầu mối, lĩnh vực land

  Khung kịch bản: Giao chủ trì sau ngày làm việc tiếp theo là vi phạm NO_LEAD của cơ quan tiếp nhận
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0101 (REAL_ESTATE_DIFFICULTY) ngày <tiếp nhận>
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày <giao chủ trì>
    Khi thanh tra xem xét sổ tính đến ngày 31/12/2024
    Thì có vi phạm NO_LEAD của VP, không nêu tên cán bộ, chậm <số ngày chậm> ngày làm việc
    Và hạn là ngày <hạn giao>
    Và vi phạm đã khép lại

    Dữ liệu:
      | tiếp nhận            | hạn giao             | giao chủ trì         | số ngày chậm | ghi chú                                  |
      | 04/03/2024 (thứ Hai) | 05/03/2024 (thứ Ba)  | 06/03/2024 (thứ Tư)  | 1            |                                          |
      | 04/03/2024 (thứ Hai) | 05/03/2024 (thứ Ba)  | 11/03/2024 (thứ Hai) | 4            | thứ Bảy 09/03, Chủ nhật 10/03 không tính |
      | 07/02/2024 (thứ Tư)  | 15/02/2024 (thứ Năm) | 19/02/2024 (thứ Hai) | 2            | nghỉ Tết 08–14/02 không tính             |
      | 03/05/2024 (thứ Sáu) | 04/05/2024 (thứ Bảy) | 06/05/2024 (thứ Hai) | 1            | thứ Bảy 04/05 là ngày làm bù             |
      | 30/08/2024 (thứ Sáu) | 04/09/2024 (thứ Tư)  | 05/09/2024 (thứ Năm) | 1            | nghỉ Quốc khánh 02–03/09 không tính      |

  Khung kịch bản: Giao chủ trì trong ngày hoặc ngày làm việc tiếp theo thì không vi phạm
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0102 (REAL_ESTATE_DIFFICULTY) ngày <tiếp nhận>
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày <giao chủ trì>
    Khi thanh tra xem xét sổ tính đến ngày 31/12/2024
    Thì không có vi phạm NO_LEAD
    Và không có vi phạm WRONG_FOCAL_POINT

    Dữ liệu:
      | tiếp nhận            | giao chủ trì         | ghi chú                               |
      | 04/03/2024 (thứ Hai) | 04/03/2024 (thứ Hai) | trong ngày                            |
      | 04/03/2024 (thứ Hai) | 05/03/2024 (thứ Ba)  | ngày làm việc tiếp theo               |
      | 01/03/2024 (thứ Sáu) | 04/03/2024 (thứ Hai) | qua cuối tuần                         |
      | 07/02/2024 (thứ Tư)  | 15/02/2024 (thứ Năm) | nghỉ Tết 08–14/02 không tính          |
      | 26/04/2024 (thứ Sáu) | 02/05/2024 (thứ Năm) | nghỉ 29/04–01/05 không tính           |
      | 03/05/2024 (thứ Sáu) | 04/05/2024 (thứ Bảy) | giao vào thứ Bảy làm bù là đúng hạn   |

  Kịch bản: Hồ sơ chưa được giao chủ trì: vi phạm còn mở và số ngày chậm tính đến ngày xem xét
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0103 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 08/03/2024 (thứ Sáu)
    Thì có vi phạm NO_LEAD của VP, không nêu tên cán bộ, chậm 3 ngày làm việc
    Và hạn là ngày 05/03/2024
    Và vi phạm vẫn đang mở
    Và vi phạm chưa có kết luận của thanh tra

  Kịch bản: Đến hết ngày làm việc tiếp theo mà chưa giao thì chưa vi phạm
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0104 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 05/03/2024 (thứ Ba)
    Thì hồ sơ không có vi phạm nào

  Kịch bản: Sở Xây dựng tự tiếp nhận mà không giao chủ trì thì chính Sở Xây dựng vi phạm
    Cho sxd.nva tiếp nhận hồ sơ HCM-2024-0105 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 06/03/2024 (thứ Tư)
    Thì có vi phạm NO_LEAD của SXD, không nêu tên cán bộ, chậm 1 ngày làm việc
    Và vi phạm vẫn đang mở

  Kịch bản: Hồ sơ bất động sản giao cho Sở Tài nguyên và Môi trường chủ trì là sai đầu mối
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0111 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao STNMT / stnmt.ltb chủ trì ngày 04/03/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 05/03/2024
    Thì có vi phạm WRONG_FOCAL_POINT của VP / vp.clerk
    Và vi phạm đã khép lại
    Và vi phạm không tính số ngày chậm
    Và không có vi phạm NO_LEAD

  Kịch bản: Kiến nghị của doanh nghiệp nhà nước do Sở Xây dựng tự nhận chủ trì là sai đầu mối
    Cho sxd.head tiếp nhận hồ sơ HCM-2024-0112 (SOE_PETITION) ngày 11/03/2024 (thứ Hai)
    Và sxd.head giao SXD / sxd.nva chủ trì ngày 11/03/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 12/03/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule              | consultation | agency | official | due | days_late | status |
      | WRONG_FOCAL_POINT | —            | SXD    | sxd.head | —   | —         | closed |

  Kịch bản: Giao lại cho đúng đầu mối không xóa lần giao sai trước đó
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0113 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao STNMT / stnmt.ltb chủ trì ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao lại cho SXD / sxd.nva chủ trì ngày 05/03/2024 (thứ Ba), lý do "Sở Xây dựng là đầu mối"
    Khi thanh tra xem xét sổ tính đến ngày 06/03/2024
    Thì hồ sơ có đúng các vi phạm sau:
      | rule              | agency | official | status |
      | WRONG_FOCAL_POINT | VP     | vp.clerk | closed |

  Khung kịch bản: Giao đúng cơ quan đầu mối (hoặc thủ tục không có đầu mối) thì không vi phạm
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0121 (<thủ tục>) ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao <cơ quan> / <cán bộ> chủ trì ngày 04/03/2024 (thứ Hai)
    Khi thanh tra xem xét sổ tính đến ngày 05/03/2024
    Thì không có vi phạm WRONG_FOCAL_POINT
    Và hồ sơ không có vi phạm nào

    Dữ liệu:
      | thủ tục                | cơ quan | cán bộ    |
      | REAL_ESTATE_DIFFICULTY | SXD     | sxd.nva   |
      | SOE_PETITION           | STC     | stc.pttt  |
      | LAND_ALLOCATION        | STNMT   | stnmt.ltb |

  # --- Việc của cơ quan chủ trì, xét theo cơ quan chủ trì tại thời điểm thực hiện ---

  Khung kịch bản: Việc cơ quan chủ trì làm trước khi hồ sơ được giao lại vẫn được ghi nhận, dù việc giao lại được ghi sổ trước
    # Việc giao lại (ngày 11/03) được ghi sổ trước văn bản xin ý kiến ngày 06/03: ngày 06/03 SXD vẫn là cơ quan
    # chủ trì, nên văn bản được ghi nhận (và được xét như mọi văn bản khác).
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0131 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao lại cho <cơ quan mới> / <cán bộ mới> chủ trì ngày 11/03/2024 (thứ Hai), lý do "Điều chỉnh phân công"
    Và sxd.nva lấy ý kiến STC (C1) ngày 06/03/2024 (thứ Tư) về land, hạn 10 ngày làm việc
    Khi thanh tra xem xét sổ tính đến ngày 12/03/2024
    Thì có vi phạm UNRELATED_CONSULTATION đối với C1 của SXD / sxd.nva

    Dữ liệu:
      | cơ quan mới | cán bộ mới | ghi chú                          |
      | SXD         | sxd.head   | giao lại trong cùng cơ quan      |
      | STNMT       | stnmt.ltb  | chuyển hồ sơ sang cơ quan khác   |

  Kịch bản: Nhận hồ sơ bổ sung và giải quyết xong trước ngày giao lại vẫn được ghi nhận, dù việc giao lại được ghi sổ trước
    Cho vp.clerk tiếp nhận hồ sơ HCM-2024-0132 (REAL_ESTATE_DIFFICULTY) ngày 04/03/2024 (thứ Hai)
    Và vp.clerk giao SXD / sxd.nva chủ trì ngày 04/03/2024 (thứ Hai)
    Và sxd.nva yêu cầu bổ sung hồ sơ ngày 05/03/2024 (thứ Ba)
    Và vp.clerk giao lại cho SXD / sxd.head chủ trì ngày 29/03/2024 (thứ Sáu), lý do "Giám đốc Sở trực tiếp chỉ đạo"
    Và sxd.nva nhận hồ sơ bổ sung ngày 07/03/2024 (thứ Năm)
    Và sxd.nva giải quyết xong hồ sơ ngày 22/03/2024 (thứ Sáu)
    Khi thanh tra xem xét sổ tính đến ngày 30/04/2024
    Thì hồ sơ không có vi phạm nào
