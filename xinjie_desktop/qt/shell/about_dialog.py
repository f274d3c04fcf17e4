"""Help → About: the icon, the program's name, its version and build date.

The version and build date come from xinjie_desktop.build_info (no Qt there): a packaged build
shows the date it was built, a copy run from source "development build".
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from xinjie_desktop import build_info
from xinjie_desktop.i18n import _
from xinjie_desktop.resources import icon_path

ICON_SIZE = 96


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, info: build_info.BuildInfo | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle(_("About xinjie-desktop"))
        info = build_info.read() if info is None else info

        self.icon_label = QLabel(objectName="about_icon")
        pixmap = QPixmap(str(icon_path()))
        if not pixmap.isNull():
            ratio = self.devicePixelRatioF()
            pixmap = pixmap.scaled(
                round(ICON_SIZE * ratio),
                round(ICON_SIZE * ratio),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            pixmap.setDevicePixelRatio(ratio)
            self.icon_label.setPixmap(pixmap)
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)

        self.name_label = QLabel(_("Xinjie Township poverty-alleviation work tool"), objectName="about_name")
        font = QFont(self.name_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.name_label.setFont(font)
        self.program_label = QLabel(  # the command that starts it (the name of the Chinese one is above)
            _("Program: {name}").format(name=build_info.APPLICATION), objectName="about_program"
        )
        self.program_label.setStyleSheet("color: #555555;")

        self.version_label = QLabel(info.version, objectName="about_version")
        self.build_label = QLabel(build_info.build_date_text(info), objectName="about_build_date")
        for label in (self.version_label, self.build_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts = QGridLayout()
        facts.setHorizontalSpacing(12)
        facts.addWidget(QLabel(_("Version:")), 0, 0)
        facts.addWidget(self.version_label, 0, 1)
        facts.addWidget(QLabel(_("Build date:")), 1, 0)
        facts.addWidget(self.build_label, 1, 1)
        facts.setColumnStretch(1, 1)

        self.description_label = QLabel(
            _(
                "Offline work tool for the Xinjie Township rectification plan for poverty-alleviation work "
                "(2017): identifying registered poor households, relocation and resettlement housing plans, "
                "agreements and public notices."
            ),
            objectName="about_description",
        )
        self.description_label.setWordWrap(True)
        self.font_label = QLabel(_("Chinese font: WenQuanYi Micro Hei (Apache License 2.0)."), objectName="about_font")
        self.font_label.setWordWrap(True)
        self.font_label.setStyleSheet("color: #555555;")

        text = QVBoxLayout()
        text.setSpacing(6)
        text.addWidget(self.name_label)
        text.addWidget(self.program_label)
        text.addSpacing(6)
        text.addLayout(facts)
        text.addSpacing(6)
        text.addWidget(self.description_label)
        text.addWidget(self.font_label)
        text.addStretch(1)

        row = QHBoxLayout()
        row.setSpacing(18)
        row.addWidget(self.icon_label)
        row.addLayout(text, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, objectName="about_buttons")
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
