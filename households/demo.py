"""Realistic Vietnamese demo data: names, lanes and household compositions.

Frequencies follow the common distribution of family names (Nguyễn about 38%, then Trần,
Lê, Phạm...). Deterministic for a given seed, so demo data is the same on every machine.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

SURNAMES: list[tuple[str, int]] = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Phan", 4),
    ("Võ", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Trương", 1),
    ("Đoàn", 1),
    ("Lương", 1),
    ("Thái", 1),
]
MIDDLE_MALE = ["Văn", "Đức", "Hữu", "Minh", "Quang", "Công", "Xuân", "Đình", "Ngọc", "Thanh"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Mai", "Phương", "Kim"]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Mạnh",
    "Nam",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Toàn",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Hiếu",
    "Lộc",
    "Nghĩa",
    "Tâm",
    "Đông",
    "Hòa",
]
GIVEN_FEMALE = [
    "Anh",
    "Chi",
    "Diệp",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Thảo",
    "Thủy",
    "Trang",
    "Tuyết",
    "Uyên",
    "Vân",
    "Yến",
    "Huệ",
    "Nhàn",
]
MODEL_VILLAGE_LANES = [
    "Đường trục thôn",
    "Ngõ Văn hóa",
    "Xóm Chùa",
    "Xóm Giếng",
    "Xóm Đồng",
    "Xóm Bàu",
    "Ngõ 1",
    "Ngõ 2",
    "Ngõ 3",
    "Ngõ 4",
    "Ngõ 5",
    "Ngõ 6",
    "Đường ven sông",
]


@dataclass(frozen=True)
class Person:
    full_name: str
    gender: str
    birth_date: date
    relationship: str
    is_head: bool


class NameMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [s for s, _w in SURNAMES]
        self._weights = [w for _s, w in SURNAMES]

    def surname(self) -> str:
        return self.rng.choices(self._surnames, self._weights)[0]

    def name(self, gender: str, surname: str | None = None) -> str:
        surname = surname or self.surname()
        if gender == "male":
            return f"{surname} {self.rng.choice(MIDDLE_MALE)} {self.rng.choice(GIVEN_MALE)}"
        return f"{surname} {self.rng.choice(MIDDLE_FEMALE)} {self.rng.choice(GIVEN_FEMALE)}"


def _birth(rng: random.Random, today: date, min_age: int, max_age: int) -> date:
    days = rng.randint(min_age * 365, max_age * 365)
    return today - timedelta(days=days)


def household_members(rng: random.Random, names: NameMaker, today: date) -> list[Person]:
    """A plausible rural household: a couple, children, sometimes a grandparent.

    About 3.5 members on average, as in the census figures for rural households.
    """
    surname = names.surname()
    head_gender = "male" if rng.random() < 0.8 else "female"
    spouse_gender = "female" if head_gender == "male" else "male"
    head_age_max = 80
    members = [
        Person(
            names.name(head_gender, surname),
            head_gender,
            _birth(rng, today, 25, head_age_max),
            "head",
            True,
        )
    ]
    if rng.random() < 0.85:
        members.append(
            Person(
                names.name(spouse_gender),
                spouse_gender,
                _birth(rng, today, 23, 75),
                "spouse",
                False,
            )
        )
    for _ in range(rng.choices([0, 1, 2, 3], [15, 30, 40, 15])[0]):
        gender = rng.choice(["male", "female"])
        members.append(
            Person(names.name(gender, surname), gender, _birth(rng, today, 0, 30), "child", False)
        )
    if rng.random() < 0.2:
        gender = rng.choice(["male", "female"])
        members.append(
            Person(
                names.name(gender, surname),
                gender,
                _birth(rng, today, 70, 95),
                "parent",
                False,
            )
        )
    return members


BUSINESS_NAMES = [
    ("Tạp hóa {given}", "retail"),
    ("Quán bún {given}", "food"),
    ("Cà phê {given}", "food"),
    ("Sửa xe {given}", "services"),
    ("Mộc {given}", "craft"),
    ("Gạo sạch {given}", "agriculture"),
    ("Homestay {given}", "homestay"),
    ("Điện nước {given}", "services"),
]


def national_id(rng: random.Random, birth: date, gender: str, province_code: str) -> str:
    """A CCCD-shaped number: province code, century-and-gender digit, year, six digits.

    Synthetic: the shape of a real number, never a real person's.
    """
    century = 0 if birth.year < 2000 else 2
    digit = century + (1 if gender == "female" else 0)
    return f"0{province_code[:2]}{digit}{birth.year % 100:02d}{rng.randint(0, 999999):06d}"


def phone(rng: random.Random) -> str:
    prefix = rng.choice(
        [
            "32",
            "33",
            "34",
            "35",
            "36",
            "37",
            "38",
            "39",
            "86",
            "96",
            "97",
            "98",
            "88",
            "91",
            "94",
            "83",
            "84",
            "85",
            "81",
            "82",
            "70",
            "76",
            "77",
            "78",
        ]
    )
    return f"+84{prefix}{rng.randint(0, 9_999_999):07d}"
