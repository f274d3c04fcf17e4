; NSIS 3 script: the per-user installer of the Windows one-folder build of xinjie-desktop.
; Built and tested on every CI run by packaging/windows/build-and-test.sh (Debian's makensis, 64-bit
; amd64-unicode stubs): silent install under Wine, the installed program's --self-test, silent uninstall,
; the data folder kept.  The one installer script of the project.
;
;   makensis -DAPP_VERSION=0.1.0 -DBUILD_DIR=<dist\xinjie-desktop> -DOUT_FILE=<setup.exe> xinjie-desktop.nsi
;
; What it promises:
;   - no administrator rights: installed for the current user only, in
;     %LOCALAPPDATA%\Programs\xinjie-desktop, with a Start-menu entry of that user;
;   - the data are never touched, not on install, update or uninstall: the program keeps its data file,
;     backups and log in Qt's AppDataLocation, %APPDATA%\xinjie\xinjie-desktop, and its settings in
;     HKCU\Software\xinjie\xinjie-desktop; the uninstaller removes the program folder and its own
;     registry entries only.

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!ifndef APP_VERSION
  !define APP_VERSION "0.1.0"
!endif
!ifndef BUILD_DIR
  !define BUILD_DIR "..\..\dist\xinjie-desktop"
!endif
!ifndef OUT_FILE
  !define OUT_FILE "..\..\dist\installer\xinjie-desktop-${APP_VERSION}-setup.exe"
!endif
!define APP_NAME "xinjie-desktop"
!define APP_DISPLAY_NAME "辛街乡扶贫工作工具"
; The uninstall key identifies the program for updates and uninstall: never change it.
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\{780F288B-0776-5EE8-8E75-E6FFF240E4F4}"

Name "${APP_DISPLAY_NAME}"
OutFile "${OUT_FILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
VIProductVersion "${APP_VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=2052 "FileDescription" "${APP_DISPLAY_NAME} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${APP_VERSION}"
VIAddVersionKey /LANG=2052 "CompanyName" "Xinjie Township"
VIAddVersionKey /LANG=2052 "LegalCopyright" "Xinjie Township"

!include "MUI2.nsh"
!include "x64.nsh"
!define MUI_ICON "..\..\resources\icons\xinjie-desktop.ico"
!define MUI_UNICON "..\..\resources\icons\xinjie-desktop.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_NAME}.exe"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
; Simplified Chinese first: the laptops' language.
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "本程序需要 64 位 Windows 10 或更新版本。"
    Abort
  ${EndIf}
  SetShellVarContext current
FunctionEnd

Section "Install"
  SetShellVarContext current
  ; An update replaces the program's own files only: an _internal\ left from an older version goes first.
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${BUILD_DIR}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\${APP_DISPLAY_NAME}.lnk" "$INSTDIR\${APP_NAME}.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_DISPLAY_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${APP_VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "Xinjie Township"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_NAME}.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

; The program folder and the installer's own entries go; %APPDATA%\xinjie\xinjie-desktop (the data file,
; backups, log) and HKCU\Software\xinjie\xinjie-desktop (the settings) stay, so that reinstalling finds the
; households where they were.
Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APP_DISPLAY_NAME}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_NAME}.exe"
  Delete "$INSTDIR\${APP_NAME}-console.exe"
  Delete "$INSTDIR\build-info.json"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd
