"""The station's settings (app.config.SETTINGS), for a supervisor: one editor per declared setting (a check
box for true/false, a number field, a text field), its help as the tooltip and under the field, and where
the value comes from. Saving writes the settings file (app.config.set_value); a value forced by the
environment is shown read-only. Some settings apply at the next start (said in the dialog)."""
from __future__ import annotations

import os

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit,
                               QMessageBox, QScrollArea, QVBoxLayout, QWidget)

from app import config


def _editor(setting: config.Setting, value) -> QWidget:
    if setting.type is bool:
        box = QCheckBox()
        box.setChecked(bool(value))
        return box
    if setting.type is float:
        spin = QDoubleSpinBox()
        spin.setRange(0.0, 86400.0)
        spin.setDecimals(1)
        spin.setValue(float(value))
        return spin
    edit = QLineEdit(str(value))
    return edit


def _value(widget: QWidget):
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QDoubleSpinBox):
        return widget.value()
    return widget.text().strip()


class SettingsDialog(QDialog):
    """Edit the station's settings. `editors` maps each key to its widget (tests drive them)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Station settings")
        self.editors: dict[str, QWidget] = {}
        inner = QWidget()
        form = QFormLayout(inner)
        for setting in config.SETTINGS.values():
            editor = _editor(setting, config.get(setting.key))
            editor.setToolTip(setting.help)
            forced = bool(os.environ.get(setting.env))
            editor.setEnabled(not forced)
            help_text = QLabel(setting.help + (f" — set by {setting.env} for this run" if forced else ""))
            help_text.setWordWrap(True)
            help_text.setStyleSheet("color: #555;")
            column = QVBoxLayout()
            column.addWidget(editor)
            column.addWidget(help_text)
            form.addRow(setting.key.replace("_", " "), column)
            self.editors[setting.key] = editor
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        note = QLabel(f"Saved in {config.settings_path()}. The station name, operator and box-office names rule "
                      "apply at the next start.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(640, 560)

    def changed(self) -> dict:
        """{key: new value} for the editors whose value differs from the current one."""
        out = {}
        for key, editor in self.editors.items():
            if editor.isEnabled() and _value(editor) != config.get(key):
                out[key] = _value(editor)
        return out

    def save(self) -> None:
        """Store the changed values; a wrong value or an unwritable file keeps the dialog open with the reason."""
        try:
            for key, value in self.changed().items():
                config.set_value(key, value)
        except (ValueError, OSError) as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        self.accept()
