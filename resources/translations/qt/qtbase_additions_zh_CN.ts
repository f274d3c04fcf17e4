<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!--
  Qt's own texts that qtbase_zh_CN.qm (Qt's translation, loaded from the installed PySide6) does not
  translate in Qt 6.11: Qt renamed them ("Look in:" became "&Look in:") and the Chinese file kept the old
  ones. Written for this project (same licence as the project); compiled into qtbase_additions_zh_CN.qm with
    pyside6-lrelease resources/translations/qt/qtbase_additions_zh_CN.ts
  qt.shell.app installs it after Qt's own translation. tests/qt/test_chinese_interface.py finds any text
  of Qt's file dialog still in English and checks the .qm against this file.
-->
<TS version="2.1" language="zh_CN">
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>驱动器</translation>
    </message>
</context>
</TS>
