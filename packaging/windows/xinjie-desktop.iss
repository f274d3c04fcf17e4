; Inno Setup 6 script: a per-user installer for the Windows one-folder build of xinjie-desktop.
;
; (Saved as UTF-8 with a byte-order mark, which Inno Setup 6 needs for the Chinese names.)
; NOT BUILT OR TESTED HERE: the project is developed on Linux, where neither the Windows build nor
; Inno Setup can run.  The steps are in packaging/README.md, "Windows (not built here)":
;   1. on Windows, build dist\xinjie-desktop\ with PyInstaller from packaging\xinjie-desktop.spec;
;   2. "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\xinjie-desktop.iss
;      -> dist\installer\xinjie-desktop-0.1.0-setup.exe
;
; What it promises:
;   - no administrator rights: PrivilegesRequired=lowest, installed for the current user only, in
;     %LOCALAPPDATA%\Programs\xinjie-desktop, with Start-menu entries of that user;
;   - the data are never touched, not on install, update or uninstall.  The program keeps its data
;     file, backups and log in Qt's AppDataLocation, %APPDATA%\xinjie\xinjie-desktop (organisation
;     "xinjie", application "xinjie-desktop": xinjie_desktop/qt/app.py), and its settings in the
;     registry under HKCU\Software\xinjie\xinjie-desktop.  The uninstaller removes only the files
;     this installer copied: there is deliberately no [UninstallDelete] section and no registry
;     entry with uninsdeletekey.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "xinjie-desktop"
#define AppDisplayName "辛街乡扶贫工作工具 xinjie-desktop"
#define BuildDir "..\..\dist\xinjie-desktop"

[Setup]
; The AppId identifies the program for updates and uninstall: never change it.
AppId={{780F288B-0776-5EE8-8E75-E6FFF240E4F4}
AppName={#AppDisplayName}
AppVersion={#AppVersion}
AppVerName={#AppDisplayName} {#AppVersion}
AppPublisher=Xinjie Township
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DefaultGroupName={#AppDisplayName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist\installer
OutputBaseFilename={#AppName}-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\xinjie-desktop.ico
UninstallDisplayIcon={app}\{#AppName}.exe
UninstallDisplayName={#AppDisplayName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running copy before its files are replaced; the data file is closed cleanly by the program.
CloseApplications=yes
RestartApplications=no

[Languages]
; Simplified Chinese first: the laptops' language.  ChineseSimplified.isl is one of Inno Setup's
; unofficial translations (https://jrsoftware.org/files/istrans/): put it beside this script.
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; The whole one-folder build: the two executables and _internal\ (Qt, Python, the font, translations, ...).
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An update replaces the program's own files only: an _internal\ left from an older version goes first.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppDisplayName}"; Filename: "{app}\{#AppName}.exe"
Name: "{group}\{cm:UninstallProgram,{#AppDisplayName}}"; Filename: "{uninstallexe}"
Name: "{userdesktop}\{#AppDisplayName}"; Filename: "{app}\{#AppName}.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppName}.exe"; Description: "{cm:LaunchProgram,{#AppDisplayName}}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] and no [Registry] section: the data folder %APPDATA%\xinjie\xinjie-desktop
; (data file, backups, log) and the settings in HKCU\Software\xinjie\xinjie-desktop stay after
; uninstalling, so that reinstalling finds the households where they were.
