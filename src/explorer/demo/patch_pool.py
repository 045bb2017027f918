"""Real BigEarthNet v2 patch names for the demo, so demo patches sit in the ten real countries on real tiles.

The pool below was cut from the released ``metadata.parquet`` (and its snow/cloud companion) by
``build_pool``: per country up to three (S2 product, S1 product) pairs from different months, then a seeded
sample of patches of each. Only names, splits, countries and the S1 pairing are real; the demo's pixels
and labels are synthetic.
Regenerate with ``python -m explorer.demo.patch_pool METADATA.parquet COMPANION.parquet > patch_pool.py``.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

_SPLIT_CODES = {"t": "train", "v": "validation", "e": "test"}


@dataclass(frozen=True)
class PoolPatch:
    country: str
    s2_product: str
    s1_product: str
    x: int
    y: int
    split: str
    seasonal_snow: bool = False
    cloud_or_shadow: bool = False
    v1_prefix: str = ""  # BigEarthNet v1 name prefix; its time may differ from the v2 product's by a second

    @property
    def tile(self) -> str:
        return self.s2_product.rsplit("_T", 1)[1]

    @property
    def patch_id(self) -> str:
        return f"{self.s2_product}_{self.x:02d}_{self.y:02d}"

    @property
    def s1_name(self) -> str:
        return f"{self.s1_product}_{self.tile}_{self.x}_{self.y}"

    @property
    def s2v1_name(self) -> str:
        prefix = self.v1_prefix or "_".join(self.s2_product.split("_")[:3])
        return f"{prefix}_{self.x}_{self.y}"


# fmt: off
# (country, S2 product, S1 product, v1 name prefix, "x_y:split ..."), split t/v/e = train/validation/test;
# a cell ending "@<date>T<time>" has its own v1 prefix time.
MAIN_POOL: tuple[tuple[str, str, str, str, str], ...] = (
    # <main>
    ("Austria", "S2A_MSIL2A_20180506T100031_N9999_R122_T33UWP", "S1A_IW_GRDH_1SDV_20180507T050948", "S2A_MSIL2A_20180506T100031",
     "0_39:t 0_49:t 1_45:t 1_78:t 8_5:t 14_14:v 15_33:v 17_27:v 20_34:v 20_83:t 24_3:t 24_56:e 24_57:e "
     "24_88:t 26_10:t 32_24:e 33_28:e 34_5:t 35_50:e 36_31:e 37_56:e 37_79:t 38_8:t 39_33:e 39_70:v "
     "45_82:t 49_36:e 50_49:e 52_19:v 55_16:v 56_75:v 58_36:e 67_45:e 71_72:v 73_88:t 83_26:t 85_30:t "
     "85_88:t 85_89:t 86_6:t"),
    ("Austria", "S2B_MSIL2A_20180421T100029_N9999_R122_T33TWN", "S1A_IW_GRDH_1SDV_20180421T165046", "S2B_MSIL2A_20180421T100029",
     "0_59:t 9_58:t 10_48:t 12_1:t 12_50:t 13_42:v 14_43:v 15_36:v 16_52:v 22_2:t 22_45:v 29_2:t "
     "30_33:e 30_35:e 32_23:e 32_31:e 33_23:e 34_43:e 34_47:e 34_54:e 38_33:e 38_35:e 39_20:v 39_28:e "
     "41_27:e 41_34:e 42_53:e 52_13:v 52_21:v 60_31:e 63_22:v 66_34:e 67_31:e 71_5:t 74_22:v 77_31:v "
     "80_44:t 81_16:t 87_19:t 88_8:t"),
    ("Austria", "S2B_MSIL2A_20170831T095029_N9999_R079_T33UXP", "S1A_IW_GRDH_1SDV_20170831T164243", "S2B_MSIL2A_20170831T095029",
     "0_47:t 1_32:t 1_33:t 2_21:t 2_58:t 5_41:t 5_76:t 6_27:t 6_89:t 7_28:t 7_42:t 11_90:t 12_71:t "
     "12_72:t 13_28:v 14_39:v 16_40:v 17_11:t 18_80:t 20_43:v 21_18:v 21_23:v 21_47:v 23_8:t 24_59:e "
     "26_8:t 26_42:e 27_30:e 28_12:t 30_63:e 31_85:t 34_52:e 34_80:t 36_71:v 36_87:t 38_59:e 38_63:e "
     "41_65:e 42_55:e 43_59:e"),
    ("Belgium", "S2B_MSIL2A_20170829T105019_N9999_R051_T31UER", "S1A_IW_GRDH_1SDV_20170829T055029", "S2B_MSIL2A_20170829T105019",
     "40_20:v 44_11:t 48_18:v 50_2:t 52_15:v 56_0:t 58_3:t 60_3:t 61_15:v 66_16:v 66_19:v 67_3:t "
     "68_7:t 68_26:e 70_11:t 70_29:v 70_31:v 70_37:v 71_0:t 71_17:v 71_54:v 72_48:v 73_2:t 74_51:v "
     "75_26:v 75_33:v 75_37:v 76_8:t 76_32:v 77_9:t 77_35:v 78_1:t 79_29:t 83_4:t 83_10:t 85_1:t "
     "86_48:t 87_21:t 89_21:t 90_36:t"),
    ("Belgium", "S2B_MSIL2A_20180506T105029_N9999_R051_T31UER", "S1A_IW_GRDH_1SDV_20180508T055029", "S2B_MSIL2A_20180506T105029",
     "40_20:v 44_11:t 46_17:v 47_15:v 48_9:t 48_18:v 50_2:t 53_1:t 53_13:v 58_4:t 62_0:t 64_19:v "
     "65_14:v 67_1:t 68_19:v 68_52:e 70_13:v 70_15:v 70_25:v 72_53:v 73_33:v 74_34:v 74_35:v 75_28:v "
     "75_31:v 76_9:t 76_44:v 76_47:v 77_35:v 79_0:t 79_52:t 81_42:t 84_25:t 84_37:t 85_11:t 85_48:t "
     "86_28:t 87_8:t 88_43:t 89_33:t"),
    ("Belgium", "S2B_MSIL2A_20180225T105019_N9999_R051_T31UER", "S1A_IW_GRDH_1SDV_20180225T055027", "S2B_MSIL2A_20180225T105019",
     "40_21:v 44_13:v 47_0:t 47_17:v 48_11:t 49_1:t 50_5:t 53_4:t 53_15:v 58_6:t 62_2:t 64_15:v "
     "65_14:v 66_3:t 68_5:t 70_15:v 70_29:v 70_31:v 72_23:v 72_49:v 74_5:t 74_12:t 74_40:v 76_45:v "
     "77_7:t 79_27:t 79_37:t 80_33:t 81_43:t 82_52:t 83_40:t 84_0:t 84_45:t 85_53:t 86_21:t 87_20:t "
     "87_35:t 88_42:t 89_33:t 90_55:t"),
    ("Finland", "S2B_MSIL2A_20170709T094029_N9999_R036_T35VNL", "S1B_IW_GRDH_1SDV_20170709T043159", "S2B_MSIL2A_20170709T094029",
     "0_75:t 7_25:t 7_28:t 7_57:t 12_87:t 13_30:v 18_8:t 21_64:v 22_50:v 23_7:t 26_28:e 28_28:e "
     "29_64:e 36_85:t 37_21:v 40_0:t 40_32:e 40_65:e 46_67:e 49_61:e 50_42:e 51_33:e 52_27:e 52_47:e "
     "55_85:t 60_59:e 60_85:t 61_15:v 62_35:e 64_18:v 65_47:e 74_60:v 75_68:v 75_78:t 79_51:t 85_5:t "
     "86_31:t 89_68:t 90_30:t 90_71:t"),
    ("Finland", "S2B_MSIL2A_20170906T101019_N9999_R022_T34WFS", "S1A_IW_GRDH_1SDV_20170906T155749", "S2B_MSIL2A_20170906T101019",
     "12_83:t@20170906T101020 16_70:v@20170906T101020 17_55:v 17_57:v 21_72:v@20170906T101020 23_31:e "
     "23_46:e 28_89:t@20170906T101020 29_53:e 33_19:v 36_66:e@20170906T101020 37_17:v 41_41:e "
     "41_66:e@20170906T101020 42_50:e 45_37:e 49_3:t 50_38:e 51_35:e 51_44:e 51_78:t@20170906T101020 "
     "53_20:v 54_57:e@20170906T101020 56_86:t@20170906T101020 57_23:e 57_37:e 58_69:v@20170906T101020 "
     "60_68:e@20170906T101020 61_7:t 62_17:v 63_62:e@20170906T101020 66_6:t 69_4:t "
     "69_69:v@20170906T101020 69_87:t@20170906T101020 75_48:v@20170906T101020 76_5:t@20170906T101020 "
     "76_78:t@20170906T101020 82_48:t@20170906T101020 88_87:t@20170906T101020"),
    ("Finland", "S2B_MSIL2A_20180521T100029_N9999_R122_T34WFS", "S1A_IW_GRDH_1SDV_20180521T044858", "S2B_MSIL2A_20180521T100029",
     "12_83:t 16_65:v 17_50:v 17_52:v 21_67:v 22_87:t 23_41:e 28_84:t 29_48:e 33_14:v 36_62:e 37_17:v "
     "41_56:e 41_81:t 42_68:e 45_57:e 49_23:e 50_58:e 51_55:e 51_64:e 52_7:t 53_40:e 54_77:v 57_14:v "
     "57_42:e 57_56:e 58_88:t 60_87:t 61_26:e 62_36:e 63_81:t 66_25:e 69_22:v 69_87:t 70_14:v 75_60:v "
     "76_15:v 76_88:t 82_50:t 88_87:t"),
    ("Ireland", "S2B_MSIL2A_20180220T114339_N9999_R123_T29UPV", "S1A_IW_GRDH_1SDV_20180219T063851", "S2B_MSIL2A_20180220T114339",
     "0_53:t 1_67:t 3_64:t 5_46:t 7_57:t 10_64:t 11_19:t 12_57:t 12_62:t 17_86:t 18_16:v 19_6:t "
     "20_78:t 20_83:t 23_73:v 25_62:e 27_39:e 29_65:e 29_84:t 32_52:e 42_32:e 44_17:v 45_56:e 53_12:t "
     "53_62:e 54_32:e 54_60:e 56_16:v 60_26:e 62_51:e 63_40:e 69_31:v 73_28:v 77_24:v 80_86:t 82_85:t "
     "86_15:t 86_69:t 88_85:t 89_28:t"),
    ("Ireland", "S2B_MSIL2A_20171112T114339_N9999_R123_T29UPU", "S1B_IW_GRDH_1SDV_20171112T181343", "S2B_MSIL2A_20171112T114339",
     "2_20:t 3_15:t 6_81:t 8_14:t 9_12:t 10_21:t 12_30:t 18_59:v 19_38:v 23_17:v 25_13:v 26_22:v "
     "26_47:e 27_31:e 27_57:e 31_44:e 34_57:e 35_77:v 36_69:v 36_87:t 40_52:e 41_7:t 41_87:t 43_26:e "
     "43_49:e 43_58:e 46_53:e 48_52:e 49_58:e 50_71:v 54_66:e 55_59:e 57_73:v 61_82:t 61_90:t 68_71:v "
     "75_47:v 78_9:t 83_31:t 85_57:t"),
    ("Ireland", "S2B_MSIL2A_20180421T114349_N9999_R123_T29UPU", "S1A_IW_GRDH_1SDV_20180420T063917", "S2B_MSIL2A_20180421T114349",
     "0_46:t 1_86:t 4_26:t 5_48:t 7_40:t 7_56:t 12_53:t 13_61:v 14_64:v 21_25:v 21_43:v 23_40:e "
     "24_56:e 26_82:t 27_29:e 27_84:t 29_27:e 29_69:v 30_46:e 31_51:e 33_46:e 35_81:t 37_42:e 37_45:e "
     "40_68:e 41_79:t 43_45:e 47_80:t 51_63:e 54_62:e 54_80:t 68_48:e 69_47:v 69_52:v 70_50:v 74_55:v "
     "75_82:t 76_90:t 79_76:t 79_82:t"),
    ("Kosovo", "S2A_MSIL2A_20171208T093351_N9999_R136_T34TEN", "S1A_IW_GRDH_1SDV_20171207T162450", "S2A_MSIL2A_20171208T093351",
     "0_46:t 2_41:t 3_48:t 3_54:t 4_50:t 9_40:t 9_54:t 9_60:t 9_63:t 10_31:t 10_74:t 11_69:t 11_77:t "
     "12_43:t 12_79:t 13_71:v 14_49:v 14_76:v 17_45:v 19_47:v 20_64:v 20_65:v 25_58:e 28_64:e 28_79:t "
     "30_60:e 33_63:e 34_53:e 34_69:v 35_59:e 35_60:e 35_66:e 38_67:e 38_68:e 39_61:e 39_62:e 40_74:v "
     "42_64:e 43_71:v 45_64:e"),
    ("Lithuania", "S2A_MSIL2A_20180413T095031_N9999_R079_T34UEG", "S1A_IW_GRDH_1SDV_20180413T161957", "S2A_MSIL2A_20180413T095031",
     "1_56:t 4_55:t 7_27:t 8_17:t 15_60:v 16_53:v 21_46:v 23_20:v 23_22:v 26_20:v 27_22:v 27_47:e "
     "29_29:e 31_6:t 31_26:e 33_7:t 34_47:e 34_49:e 36_13:v 49_62:e 52_76:v 55_8:t 55_66:e 57_82:t "
     "58_30:e 60_55:e 63_34:e 63_66:e 64_62:e 64_65:e 68_38:e 68_47:e 68_55:e 69_26:v 72_76:v 78_15:t "
     "85_12:t 86_81:t 87_41:t 89_38:t"),
    ("Lithuania", "S2B_MSIL2A_20170927T094019_N9999_R036_T35ULB", "S1A_IW_GRDH_1SDV_20170928T161150", "S2B_MSIL2A_20170927T094019",
     "0_42:t@20170927T94020 1_78:t@20170927T94020 4_27:t 4_77:t@20170927T94020 5_50:t@20170927T94020 "
     "6_57:t@20170927T94020 6_58:t@20170927T94020 6_63:t@20170927T94020 9_35:t 10_19:t "
     "12_54:t@20170927T94020 14_30:v 15_15:v 17_52:v@20170927T94020 18_7:t 20_0:t 20_10:t 20_26:v "
     "28_48:e@20170927T94020 30_12:t 30_26:e 34_42:e 37_3:t 38_39:e 41_16:v 41_18:v 43_13:v "
     "45_42:e@20170927T94020 45_57:e@20170927T94020 52_43:e@20170927T94020 53_30:e "
     "55_46:e@20170927T94020 55_72:v@20170927T94020 57_26:e 58_18:v 59_34:e 60_68:e@20170927T94020 "
     "62_50:e@20170927T94020 62_53:e@20170927T94020 64_60:e@20170927T94020"),
    ("Lithuania", "S2B_MSIL2A_20170808T094029_N9999_R036_T35ULA", "S1A_IW_GRDH_1SDV_20170808T043524", "S2B_MSIL2A_20170808T094029",
     "0_67:t 8_48:t 9_55:t 9_71:t 11_45:t 12_44:t 13_48:v 14_40:v 17_74:v 19_79:t 22_35:v 23_75:v "
     "30_89:t 36_55:e 40_55:e 43_65:e 47_44:e 47_70:v 50_40:e 55_61:e 57_80:t 58_56:e 58_73:v 60_60:e "
     "61_71:v 65_72:v 66_64:e 66_76:v 70_66:v 70_71:v 73_49:v 73_69:v 75_70:v 76_45:v 79_63:t 81_65:t "
     "82_52:t 83_60:t 84_62:t 87_53:t"),
    ("Luxembourg", "S2A_MSIL2A_20180508T104031_N9999_R008_T31UGR", "S1A_IW_GRDH_1SDV_20180508T055029", "S2A_MSIL2A_20180508T104031",
     "0_46:t 0_58:t 2_46:t 4_68:t@20180508T104032 5_62:t@20180508T104032 8_58:t 9_52:t 10_53:t 10_59:t "
     "10_89:t@20180508T104032 12_41:t 13_66:v@20180508T104032 15_87:t@20180508T104032 "
     "17_66:v@20180508T104032 17_73:v@20180508T104032 18_47:v 18_68:v@20180508T104032 "
     "18_70:v@20180508T104032 18_87:t@20180508T104032 19_35:v 19_51:v 19_65:v 19_78:t@20180508T104032 "
     "21_66:v 21_71:v@20180508T104032 21_78:t@20180508T104032 24_64:e 25_66:e 25_90:t@20180508T104032 "
     "27_59:e 27_89:t@20180508T104032 29_83:t@20180508T104032 33_82:t 34_76:v 36_69:v 38_68:e 39_74:v "
     "39_76:v 41_69:v 44_64:e"),
    ("Luxembourg", "S2B_MSIL2A_20171015T104009_N9999_R008_T31UGR", "S1A_IW_GRDH_1SDV_20171016T055031", "S2B_MSIL2A_20171015T104009",
     "1_58:t 4_76:t@20171015T104010 6_90:t@20171015T104010 8_39:t 8_79:t@20171015T104010 "
     "10_86:t@20171015T104010 11_44:t 11_87:t@20171015T104010 12_50:t 12_73:t@20171015T104010 "
     "13_67:v@20171015T104010 13_77:v@20171015T104010 14_61:v 15_59:v 16_55:v 16_83:t@20171015T104010 "
     "17_44:v 17_48:v 17_55:v 17_74:v@20171015T104010 17_75:v@20171015T104010 17_80:t@20171015T104010 "
     "18_47:v 19_86:t@20171015T104010 20_89:t@20171015T104010 21_50:v 24_85:t@20171015T104010 "
     "24_86:t@20171015T104010 24_89:t@20171015T104010 25_62:e 26_53:e 27_58:e 28_62:e 28_69:v 32_60:e "
     "32_85:t 35_73:v 38_78:t 38_79:t 39_71:v"),
    ("Portugal", "S2B_MSIL2A_20180515T112109_N9999_R037_T29SND", "S1B_IW_GRDH_1SDV_20180515T063356", "S2B_MSIL2A_20180515T112110",
     "0_68:t 1_82:t 3_43:t 5_68:t 5_71:t 6_55:t 11_82:t 13_12:t 14_82:t 16_51:v 21_49:v 21_79:t "
     "22_64:v 26_24:e 27_59:e 27_77:v 32_42:e 33_31:e 42_21:v 47_22:v 51_74:v 52_16:v 53_49:e 58_55:e "
     "59_78:t 60_44:e 63_22:v 66_32:e 69_36:v 69_49:v 69_82:t 72_26:v 74_38:v 74_56:v 74_72:v 82_42:t "
     "82_76:t 84_51:t 84_83:t 85_7:t"),
    ("Portugal", "S2B_MSIL2A_20180326T112109_N9999_R037_T29SNB", "S1B_IW_GRDH_1SDV_20180327T183408", "S2B_MSIL2A_20180326T112109",
     "22_67:v 22_75:v 22_77:v 24_58:e 25_49:e 29_72:v 30_55:e 32_79:t 33_84:t 37_41:e 39_9:t 39_40:e "
     "42_10:t 43_5:t 43_59:e 46_80:t 53_35:e 55_32:e 60_28:e 60_32:e 60_53:e 60_63:e 60_82:t 61_6:t "
     "65_25:e 68_29:e 69_8:t 70_28:v 72_80:t 73_14:v 73_48:v 73_86:t 76_2:t 77_16:v 77_52:v 77_57:v "
     "79_78:t 80_90:t 82_34:t 85_37:t"),
    ("Portugal", "S2A_MSIL2A_20171002T112111_N9999_R037_T29SNB", "S1A_IW_GRDH_1SDV_20171004T183450", "S2A_MSIL2A_20171002T112112",
     "23_66:e 29_82:t 30_38:e 30_45:e 30_51:e 30_53:e 32_24:e 33_7:t 33_70:v 34_68:e 37_35:e 38_70:v "
     "41_40:e 42_37:e 47_10:t 49_48:e 51_5:t 52_43:e 53_23:e 53_26:e 56_90:t 59_49:e 59_86:t 62_4:t "
     "63_49:e 64_43:e 65_37:e 65_52:e 65_82:t 66_60:e 68_18:v 70_11:t 71_40:v 72_86:t 73_89:t 75_80:t "
     "78_29:t 80_40:t 82_39:t 82_86:t"),
    ("Serbia", "S2B_MSIL2A_20170914T093029_N9999_R136_T34TEP", "S1A_IW_GRDH_1SDV_20170914T162451", "S2B_MSIL2A_20170914T93030",
     "2_44:t 7_39:t 7_62:t 9_68:t 11_37:t 13_27:v 14_79:t 21_84:t 23_40:e 31_65:e 34_84:t 34_89:t "
     "37_84:t 38_65:e 39_60:e 45_30:e@20170914T093029 45_38:e@20170914T093029 48_43:e@20170914T093029 "
     "48_62:e 48_65:e 53_32:e@20170914T093029 56_23:e@20170914T093029 57_47:e 59_42:e@20170914T093029 "
     "62_62:e 62_76:v 64_15:v@20170914T093029 65_42:e@20170914T093029 67_34:e@20170914T093029 "
     "70_22:v@20170914T093029 70_42:v@20170914T093029 75_65:v 80_60:t 80_72:t 80_89:t 81_71:t "
     "83_23:t@20170914T093029 87_80:t 88_11:t@20170914T093029 90_63:t"),
    ("Serbia", "S2B_MSIL2A_20180502T093039_N9999_R136_T34TEP", "S1A_IW_GRDH_1SDV_20180430T162450", "S2B_MSIL2A_20180502T093039",
     "7_40:t 7_89:t 13_28:v 15_46:v 23_41:e 23_88:t 30_90:t 32_42:e 33_40:e 34_20:v 34_54:e 37_65:e "
     "41_32:e 41_82:t 44_46:e 50_66:e 51_57:e 52_40:e 52_80:t 53_16:v 55_82:t 57_80:t 58_31:e 60_52:e "
     "60_81:t 61_77:v 62_50:e 62_53:e 65_40:e 65_44:e 66_18:v 71_82:t 73_75:v 80_79:t 81_75:t 84_28:t "
     "85_71:t 88_11:t 89_50:t 90_36:t"),
    ("Serbia", "S2B_MSIL2A_20180201T093219_N9999_R136_T34TEP", "S1B_IW_GRDH_1SDV_20180130T162407", "S2B_MSIL2A_20180201T093219",
     "2_34:t 9_74:t 11_87:t 12_67:t 19_70:v 20_41:v 21_22:v 21_28:v 23_53:e 25_43:e 27_61:e 28_35:e "
     "30_39:e 31_27:e 35_83:t 38_57:e 41_70:v 48_62:e 51_50:e 53_86:t 54_65:e 56_15:v 57_39:e 58_15:v "
     "58_50:e 59_59:e 61_36:e 61_79:t 64_37:e 74_53:v 77_40:v 78_14:t 79_87:t 81_89:t 85_56:t 87_51:t "
     "87_58:t 87_64:t 89_38:t 90_5:t"),
    ("Switzerland", "S2A_MSIL2A_20170818T103021_N9999_R108_T32TMT", "S1B_IW_GRDH_1SDV_20170818T054218", "S2A_MSIL2A_20170818T103021",
     "2_50:t 3_76:t 4_67:t 4_75:t 4_89:t 7_42:t 7_66:t 8_80:t 9_65:t 12_73:t 12_78:t 13_29:v 14_70:v "
     "16_37:v 16_46:v 16_55:v 19_41:v 19_89:t 20_50:v 20_84:t 22_81:t 22_84:t 23_57:e 23_66:e 25_34:e "
     "26_38:e 26_44:e 26_49:e 26_86:t 27_51:e 29_28:e 29_67:e 30_90:t 31_45:e 33_69:v 34_41:e 35_22:v "
     "35_61:e 39_27:e 45_31:e"),
    # </main>
)

# Patches of the snow/cloud companion file: "x_y:split:flags"; flags bit 1 = seasonal snow, 2 = cloud/shadow.
COMPANION_POOL: tuple[tuple[str, str, str, str, str], ...] = (
    # <companion>
    ("Finland", "S2B_MSIL2A_20180204T094159_N9999_R036_T35VNJ", "S1A_IW_GRDH_1SDV_20180204T043318", "S2B_MSIL2A_20180204T94160",
     "2_34:t:1 5_53:t:1 13_82:t:1 19_62:v:1 27_28:e:1 30_75:v:1 34_82:t:1@20180204T094159 42_55:e:1 "
     "56_77:v:1@20180204T094159 62_31:e:1"),
    ("Austria", "S2B_MSIL2A_20171219T095409_N9999_R079_T33TWN", "S1B_IW_GRDH_1SDV_20171220T050912", "S2B_MSIL2A_20171219T095409",
     "43_33:e:1 44_14:v:1 46_30:e:1 49_34:e:1 53_13:v:1 53_41:e:1 55_14:v:1 56_27:e:2 59_18:v:1 "
     "74_30:v:1"),
    ("Ireland", "S2B_MSIL2A_20171112T114339_N9999_R123_T29UPU", "S1B_IW_GRDH_1SDV_20171112T181343", "S2B_MSIL2A_20171112T114339",
     "23_9:t:2 42_80:t:2 43_78:t:2 59_22:v:2 65_61:e:2 65_90:t:2 69_11:t:2 70_90:t:2 82_21:t:2 "
     "89_46:t:2"),
    ("Lithuania", "S2B_MSIL2A_20170808T094029_N9999_R036_T35ULA", "S1A_IW_GRDH_1SDV_20170808T043524", "S2B_MSIL2A_20170808T094029",
     "2_72:t:2 56_49:e:2 56_50:e:2 62_50:e:2 73_66:v:2 78_70:t:2 82_47:t:2 82_60:t:2 86_48:t:2 "
     "89_55:t:2"),
    # </companion>
)
# fmt: on


def _expand(pool: tuple[tuple[str, str, str, str, str], ...]) -> list[PoolPatch]:
    patches = []
    for country, s2_product, s1_product, v1_prefix, cells in pool:
        for entry in cells.split():
            cell, _, v1_time = entry.partition("@")
            v1 = f"{v1_prefix.rsplit('_', 1)[0]}_{v1_time}" if v1_time else v1_prefix
            fields = cell.split(":")
            x, y = (int(v) for v in fields[0].split("_"))
            flags = int(fields[2]) if len(fields) > 2 else 0
            patches.append(
                PoolPatch(
                    country,
                    s2_product,
                    s1_product,
                    x,
                    y,
                    _SPLIT_CODES[fields[1]],
                    bool(flags & 1),
                    bool(flags & 2),
                    v1,
                )
            )
    return patches


def main_pool() -> list[PoolPatch]:
    """Patches of ``metadata.parquet`` (no snow, cloud or shadow)."""
    return _expand(MAIN_POOL)


def companion_pool() -> list[PoolPatch]:
    """Patches of ``metadata_for_patches_with_snow_cloud_or_shadow.parquet``."""
    return _expand(COMPANION_POOL)


# --- regeneration from the real metadata (development only) ------------------------------------------------
def _groups(df: pd.DataFrame) -> pd.DataFrame:
    parts = df["patch_id"].str.rsplit("_", n=2, expand=True)
    return df.assign(
        v1p=df["s2v1_name"].str.rsplit("_", n=2).str[0],
        s2p=parts[0],
        x=parts[1].astype(int),
        y=parts[2].astype(int),
        s1p=df["s1_name"].str.rsplit("_", n=3).str[0],
        month=df["patch_id"].str[15:17],
    )


def _rows(df: pd.DataFrame, keys: list[tuple[str, str, str]], per_group: int, with_flags: bool) -> list[str]:
    codes = {v: k for k, v in _SPLIT_CODES.items()}
    lines = []
    for country, s2p, s1p in keys:
        part = df[(df["country"] == country) & (df["s2p"] == s2p) & (df["s1p"] == s1p)]
        part = part.sample(min(per_group, len(part)), random_state=0).sort_values(["x", "y"])
        flags = part["contains_seasonal_snow"].astype(int) + 2 * part["contains_cloud_or_shadow"].astype(int)
        v1_default = str(part["v1p"].mode().iloc[0])
        cells = []
        columns = [part[c].tolist() for c in ("x", "y", "split", "v1p")]
        for x, y, split, v1, flag in zip(*columns, flags.tolist(), strict=True):
            cell = f"{x}_{y}:{codes[split]}" + (f":{flag}" if with_flags else "")
            cells.append(cell + (f"@{v1.rsplit('_', 1)[1]}" if v1 != v1_default else ""))
        chunks = textwrap.wrap(" ".join(cells), 96)
        body = "\n".join(
            f'     "{chunk}{" " if i < len(chunks) - 1 else ""}"' for i, chunk in enumerate(chunks)
        )
        lines.append(f'    ("{country}", "{s2p}", "{s1p}", "{v1_default}",\n{body}),')
    return lines


def build_pool(metadata: Path, companion: Path, per_group: int = 40, companion_per_group: int = 10) -> str:
    """This module's source with a fresh pool cut from the real metadata files."""
    main = _groups(pd.read_parquet(metadata))
    stats = (
        main.groupby(["country", "s2p", "s1p"]).agg(n=("x", "size"), month=("month", "first")).reset_index()
    )
    stats = stats.sort_values(["country", "n"], ascending=[True, False])
    keys: list[tuple[str, str, str]] = []
    for country, group in stats.groupby("country"):
        months: set[str] = set()
        for r in group.itertuples():
            if r.month not in months and len(months) < 3:
                months.add(str(r.month))
                keys.append((str(country), str(r.s2p), str(r.s1p)))
    comp = _groups(pd.read_parquet(companion))
    comp_keys = [
        ("Finland", "S2B_MSIL2A_20180204T094159_N9999_R036_T35VNJ", "S1A_IW_GRDH_1SDV_20180204T043318"),
        ("Austria", "S2B_MSIL2A_20171219T095409_N9999_R079_T33TWN", "S1B_IW_GRDH_1SDV_20171220T050912"),
        ("Ireland", "S2B_MSIL2A_20171112T114339_N9999_R123_T29UPU", "S1B_IW_GRDH_1SDV_20171112T181343"),
        ("Lithuania", "S2B_MSIL2A_20170808T094029_N9999_R036_T35ULA", "S1A_IW_GRDH_1SDV_20170808T043524"),
    ]
    source = Path(__file__).read_text()
    for tag, lines in (
        ("main", _rows(main, keys, per_group, False)),
        ("companion", _rows(comp, comp_keys, companion_per_group, True)),
    ):
        head, _, rest = source.partition(f"    # <{tag}>\n")
        _, _, tail = rest.partition(f"    # </{tag}>\n")
        source = head + f"    # <{tag}>\n" + "\n".join(lines) + "\n" + f"    # </{tag}>\n" + tail
    return source


if __name__ == "__main__":
    sys.stdout.write(build_pool(Path(sys.argv[1]), Path(sys.argv[2])))
