/**
 * Packaging for Windows (Squirrel), macOS (DMG + ZIP) and Linux (deb), with
 * Electron fuses flipped at package time. Cannot run on our build machines
 * (no Electron binary download); it is typechecked there and runs on a
 * workstation that can fetch Electron: `npm run make`.
 */
import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerDMG } from '@electron-forge/maker-dmg';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { isIgnoredInPackage } from './build/packageFiles.js';

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Wardline',
    appBundleId: 'org.wardline.desktop',
    appCategoryType: 'public.app-category.medical',
    // No extension: packager picks icon.ico / icon.icns / icon.png per platform.
    icon: 'build/icon',
    // asar is required by the OnlyLoadAppFromAsar and integrity fuses below.
    asar: true,
    prune: true,
    ignore: isIgnoredInPackage,
  },
  rebuildConfig: {},
  makers: [
    // The Squirrel package id "wardline" and exe "Wardline" make the AppUserModelId
    // com.squirrel.wardline.Wardline that electron/main/index.ts sets.
    new MakerSquirrel({ name: 'wardline', setupIcon: 'build/icon.ico' }, ['win32']),
    new MakerDMG({ icon: 'build/icon.icns', format: 'ULFO' }, ['darwin']),
    new MakerZIP({}, ['darwin']),
    new MakerDeb(
      {
        options: {
          name: 'wardline',
          productName: 'Wardline',
          genericName: 'Clinical messaging',
          icon: 'build/icon.png',
          categories: ['Network', 'Office'],
          section: 'net',
          // keytar talks to the Secret Service; without it profiles cannot be opened.
          depends: ['libsecret-1-0'],
        },
      },
      ['linux'],
    ),
  ],
  plugins: [
    new FusesPlugin({
      version: FuseVersion.V1,
      // ELECTRON_RUN_AS_NODE would turn the signed binary into a general Node runtime.
      [FuseV1Options.RunAsNode]: false,
      // NODE_OPTIONS and --inspect would let anyone inject code or attach a debugger.
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      // Only the shipped, integrity-checked app.asar may run.
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      // Chromium's cookie store encrypted with the OS keychain.
      [FuseV1Options.EnableCookieEncryption]: true,
      // We serve app:// ourselves; file:// gets no special powers.
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    }),
  ],
};

export default config;
