<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>ActivityDetailDialog</name>
    <message>
        <source>Activity record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transaction hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record number</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ActivityModel</name>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transaction hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>
Key {split}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ActivityTab</name>
    <message>
        <source>key {key}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>holder of {keys}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter: words, a hash, a rule…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decision</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a wallet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This wallet was shared with you: its owner sees its activity.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everything the co-signer did with this wallet&apos;s keys, newest first, as recorded in its tamper-evident audit log.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 record</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{total} records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{shown} of {total} records match</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AppContext</name>
    <message>
        <source>this computer&apos;s keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the encrypted key file on this computer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AppLock</name>
    <message>
        <source>Checking the password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That is not the password.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AsyncPage</name>
    <message>
        <source>Working…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Making this computer&apos;s key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting the co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting the co-signer on this computer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contacting the co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing your wallet…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receiving the share…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating your wallet…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BalanceBox</name>
    <message>
        <source>Balance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask the network&apos;s sharders again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the sharders of {name}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{amount} ZCN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>as of round {round}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a new account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{where} · {sharders_agreeing} of {sharders_asked} sharders agree · {name} network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{amount} ZCN (last known)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BusyStrip</name>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <source>Wrong words are marked as you type. Nothing is sent anywhere.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Word {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this is not the word in that position</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitting the key on this computer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Storing your share in the keyring…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Registering your wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{computer} (desktop)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Making this computer&apos;s key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Storing it in the keyring…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Making this computer&apos;s key</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CopyButton</name>
    <message>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy to the clipboard (cleared again after a minute)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CosignerPage</name>
    <message>
        <source>This computer (recommended to start)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey runs its own co-signer here, reachable only from this computer, with its data in your user folder. Good for trying Splitkey out and for one person. Be aware: both halves of your keys then live on this one computer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>My organisation&apos;s co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>https://cosigner.example.org</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co-signer address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show its certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificate fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This fingerprint is the one my administrator gave me (it will be pinned)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enter the server&apos;s address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>use https:// (plain http:// only for a co-signer on this computer)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the address starts with https://</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the server&apos;s certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contacting the co-signer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DonePage</name>
    <message>
        <source>Wallet {wallet} is ready. Your half of its key is in {where}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can add a wallet later from the Wallet menu.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer runs on this computer and starts with Splitkey.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co-signer: {url}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing always shows you the whole transaction first.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ErrorBanner</name>
    <message>
        <source>Try again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule: {rule}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Over this key&apos;s limit for the period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many signatures in this period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Over this key&apos;s limit per transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key may not sign this kind of transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This kind of transaction cannot be co-signed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This recipient is not on the key&apos;s list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key may not sign messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key has been used up</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key was revoked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key has expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key is not valid yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This wallet is frozen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your computer&apos;s clock is off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The transaction&apos;s hash does not match</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This message looks like a transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your key&apos;s signature was not accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This request was already used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This request is already being signed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait until earlier transactions leave the period, or ask the owner.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wait until earlier signatures leave the period, or ask the owner.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send a smaller amount, or ask the wallet&apos;s owner to raise the cap.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask the wallet&apos;s owner to add this recipient.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask the wallet&apos;s owner for this permission.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask the wallet&apos;s owner for a new share if you still need one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set your computer&apos;s clock (automatic time), then try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check the chain id in Settings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey checked the answer against the wallet&apos;s public key and it is not a valid signature of what you reviewed. Nothing is shown as signed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The network&apos;s sharders do not agree</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey asked several sharders and no answer had enough of them behind it, so none is shown. This is usually brief; try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The 0Chain network is not reachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was sent. Check the connection (or the network chosen in Settings) and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A confirmation did not verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The network refused the transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The miners said: {reason} Nothing was sent and the nonce is still free.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer is not reachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No answer came, so nothing was signed or changed. Check the connection (or that the co-signer is running) and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer&apos;s certificate is not valid yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It is the certificate you pinned, but its validity starts later. Check this computer&apos;s date and time; Splitkey does not use it until then.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer&apos;s certificate has expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It is the certificate you pinned, but its validity has ended, so Splitkey does not use it. Ask your administrator to renew it, then pin the new one (Settings, Change co-signer).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer&apos;s certificate has changed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It is not the certificate you pinned, so Splitkey did not talk to it. Ask your administrator whether the server&apos;s certificate was replaced; if not, someone may be intercepting the connection.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer&apos;s answer did not verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer gave an answer Splitkey does not understand</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was used from it. The co-signer may be a different version.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your key is no longer accepted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer refuses the keys kept on this computer: they were revoked or have expired. </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check this field</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That does not work</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey is locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock it with your password to continue.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer on this computer could not start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> You can try again, or choose your organisation&apos;s co-signer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your keys are locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This nonce is too far ahead</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key may not sign a bare hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The transaction&apos;s data could be read two ways</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This transaction is also a contract call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request went to the wrong address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests from web pages are refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request arrived too slowly</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer took too long</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The request is too large</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key is signing too often</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many requests from this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many requests with this sign-in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed sign-ins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer cannot reach its storage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer cannot write its audit log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer is busy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the wallet&apos;s next nonce, or ask the owner to sign this one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A sharder answered with a confirmation whose proofs do not check out, so the transaction is not shown as confirmed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>They are in the encrypted key file. Enter its passphrase when Splitkey asks, then try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your keys could not be stored or read</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A file could not be used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey hit an unexpected problem ({name}). Nothing was signed. The details are in the log.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It ended unexpectedly.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It ended unexpectedly (stopped by signal {signal}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It ended unexpectedly (exit code {code}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer on this computer stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey starts it again in {delay} s, or press Retry. Nothing is signed while it is stopped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not found</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer does not know this (or it is not yours). It may have been deleted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No longer available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer is busy or having trouble</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> Nothing was signed; try again in a moment.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer did not accept this</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>

Rule: {rule}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>Where should the co-signer run?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey splits each key in two: one half stays with you, the other with a co-signer that signs only what your rules allow.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to the co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your administrator gave you an enrollment code, or your organisation signs you in with its own token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What would you like to do?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write down your 24 recovery words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These words are your wallet&apos;s master key. They were drawn on this computer and the co-signer never sees them. With them alone you can recover the wallet, even if the co-signer disappears. Splitkey does not keep them and will not show them again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check your recovery words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type these words from your paper, to be sure nothing is missing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import a wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The key is split on this computer: the co-signer gets only its own share.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a share someone gave you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the share code from the wallet&apos;s owner. It works once and expires after a few minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set up Splitkey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard the new wallet?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its recovery words were not confirmed, so nothing could bring it back. Splitkey deletes it; you can create another one at any time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its recovery words were not confirmed, so it was not made yet. Splitkey forgets the words and registers nothing; you can create another wallet at any time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discard wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep going</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Discarding the wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The wallet could not be discarded</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Amount (ZCN)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fee (ZCN)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirmed (round {round})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: {why}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent transactions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing sent from this computer yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Check pending again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Double-click or Enter copies the hash</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportPage</name>
    <message>
        <source>The 24 recovery words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recovery words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A wallet file (zwallet&apos;s wallet.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No file chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the wallet file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wallet (*.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot read {name}: {strerror}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitting the key on this computer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing the wallet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Splitkey is locked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your password to see your wallets and sign.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LockSettingsDialog</name>
    <message>
        <source>Never (only when I lock it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>After 1 minute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>After {n} minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>With a password, Splitkey asks for it when it opens and after you have been away; while locked it shows no wallet and signs nothing. (Your keys stay protected by the keyring either way.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ask for a password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Current password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New password again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock after</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leave empty to keep the current one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the two differ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enter the current password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving the password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>that is not the current password</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Shares</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No wallet selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected wallet&apos;s client id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send / Sign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add wallet…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Lock now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>App loc&amp;k…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Splitkey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the co-signer on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to {where}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected to {where}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected to {where}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Splitkey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey {version}: a wallet for 0Chain split keys.

Your half of each key stays in this computer&apos;s keyring; the co-signer signs only what the key&apos;s rules allow.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MessagesTab</name>
    <message>
        <source>Message to sign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sha3 of the message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign a message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Text for the auth headers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. the allocation id a blobber asks for</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make headers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auth headers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy headers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0Chain auth headers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hash (64 hex digits)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message or hash to verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verify</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verify a signature</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✓ Valid: this key signed exactly this.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✗ Not valid for this key.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Models</name>
    <message>
        <source>Shared key {label!r}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shared key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No key on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key on this computer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MoveDialog</name>
    <message>
        <source>Move to another co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey splits this wallet&apos;s key again from its 24 words, registers the new share with the other co-signer (which never sees the words), keeps your new key here and revokes your keys at the current co-signer. Then Splitkey uses the new co-signer; other wallets of the current one stay there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recovery words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>https://cosigner.example.org:8787</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SHA-256 of its certificate (for https)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke this wallet&apos;s keys at the current co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>give the new co-signer and its enrollment code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Registering the wallet with the new co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoking the keys at the current co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Moving the wallet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MyKey</name>
    <message>
        <source>Reading your key from the keyring…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing with your key and the co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>NetworkLink</name>
    <message>
        <source>Asking the sharders for the balance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Closing the old network connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the confirmation</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>{days} d {hours} h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{minutes} min {secs} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{secs} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing signed in this period from this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>as of {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy client id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy public key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client id (the wallet&apos;s address)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowance used in this period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create a key for this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Makes a new split of this wallet for you and keeps its share in this computer&apos;s keyring, so this computer can sign.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh this key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gives this computer and the co-signer a new pair of shares of the same wallet key. Any copy of the old key (a lost or stolen device, a backup) stops working.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move to another co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split the key again from the 24 words and register it elsewhere</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your key for this wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What it may do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick a wallet on the left.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyless: the co-signer holds only its share; it never had this wallet&apos;s key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Custodial: the co-signer&apos;s vault holds this wallet&apos;s master key (like ZVault).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(not known on this computer)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no key for this wallet on this computer: it cannot sign here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You no longer hold a key for this wallet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>kept in {key_place}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key{label} ({id}), status {status}, {where}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, last {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used once{last}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used {uses} times{last}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expired at {when}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires in {left} ({when}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{computer} (desktop)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating a key for this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refreshing your key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your other keys of this wallet (not used while the one above can sign):
</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No limit per period.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{used} of {cap} used in the last {period} ({note})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unrestricted: no limits.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never expires.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OwnerTab</name>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PassphraseDialog</name>
    <message>
        <source>Keep your keys in an encrypted file?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep my keys in a file on this computer, encrypted with this passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the encrypted file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Without the passphrase the file cannot be opened, by you either: the keys in it can then only be replaced by the wallet&apos;s owner (or your recovery words).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the two passphrases differ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tick the box to accept the encrypted file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>enter the passphrase</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening the keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opening the encrypted file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move your keys to the keyring?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer has a safe keyring now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your keys are in the encrypted file. Move them to the system keyring ({name})? Splitkey then no longer asks for the file&apos;s passphrase, and deletes the file once every key is in the keyring.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move my keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Moving your keys</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QrLabel</name>
    <message>
        <source>QR code of {text}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RecoverySheet</name>
    <message>
        <source>These 24 words are the whole key of the wallet. The co-signer holds only a share of it and never saw them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If the co-signer is gone (or you no longer trust it): install Splitkey, choose Add wallet, Import a wallet I already have, type the 24 words, and pick another co-signer. The wallet keeps its address and its tokens. zwallet restores it from the words too.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>If this computer is lost: import the words on another computer the same way (with the same co-signer or another), then revoke the lost computer&apos;s key in the Shares tab.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anyone who reads this sheet can take the wallet&apos;s tokens. Keep it offline and out of sight; do not photograph it. A PDF of it is a copy of the key: print it and delete the file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey recovery sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0Chain wallet, written {date}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client id (the wallet&apos;s address)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recovery words</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What to do</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RecoverySheetDialog</name>
    <message>
        <source>Recovery sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print this sheet and keep it offline. Splitkey does not keep a copy.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the recovery sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>recovery-sheet.pdf</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF (*.pdf)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RedeemPage</name>
    <message>
        <source>XXXXX-XXXXX-XXXXX-XXXXX</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What you may sign with it is set by the owner; you will see the limits in the wallet&apos;s overview.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a share code is 20 or 30 letters and digits (no 0, O, 1 or I)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receiving the share…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receiving the share</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RefreshKey</name>
    <message>
        <source>Refreshing your key with the co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Storing the new key in the keyring…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refreshing your key</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReviewDialog</name>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Smart-contract call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the storage contract</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the miner contract</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the faucet contract</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the ZCN bridge contract</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shown escaped: it contains invisible or control characters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{zcn} ({sas} SAS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, fee {fee}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send {amount} to {to}{fee}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, moving {amount}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call “{method}” on {where}{moved}{fee}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store {n} characters of data{fee}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Amount</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fee</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nonce</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chain id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review the transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are about to sign this transaction with {wallet_title}. Check every field: the signature covers exactly what is shown here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to editing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The co-signer will most likely refuse this: </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>. You can still send it for signing.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RevokeDialog</name>
    <message>
        <source>Revoke key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the key “{label}”</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke {name}? Its share code has not been redeemed yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke {name}, held by {holder}?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It may {permissions}; limits: {limits}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used {uses} times.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From the moment you confirm, the co-signer refuses every signature with this key, including ones already on their way. This cannot be undone: to share again, make a new key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> This is your own key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>: you will need another key of this wallet (or its recovery words) to sign with it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoking the key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoking…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SendPanel</name>
    <message>
        <source>Send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transaction hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy hash</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co-signing with your key and the co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending to the miners…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending: {amount} ZCN to {to} was taken by {accepted_by} of {sent_to} miners; waiting for a verified confirmation from the sharders…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirmed in round {round} (block {block}); {sharders_agreeing} of {sharders_asked} sharders sent matching, verified confirmations.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: {why}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent, not confirmed yet: the confirmation could not be checked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending: waiting for a verified confirmation…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not sent. {title}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Same as the system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Light</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your keys are kept in {where}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your keys are kept in the system keyring ({name}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No safe keyring: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer (the built-in co-signer)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not chosen yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change co-signer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chain id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default fee</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown ({exc})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Theme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pinned certificate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mainnet, or the block_worker URL of another 0Chain network.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default fee (ZCN)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh my keys every</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A refreshed key makes every copy of the old one (a lost device, a backup) useless</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Advanced settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transactions are made for this 0Chain network (mainnet unless you change it).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a chain id is 64 hex digits</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ShareDialog</name>
    <message>
        <source>Share this wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create share code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make a key of this wallet for someone else. They can sign only what you allow here; you can revoke the key at any time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. Alice&apos;s laptop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Label</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This person may</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0Chain permission group {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign messages and auth headers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign raw hashes (0Chain ZAuth clients): as powerful as an unrestricted key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>per {words}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ZCN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anyone. Or client ids, one per line.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expiry date</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Maximum uses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who gets it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At most per transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At most</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only to</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Uses at most</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worst case</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What this key can do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fix the marked fields to see what this key could do.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the share code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the co-signer for a new key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>within {minutes} minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give this code to the person you share with. It works once, and only if it is redeemed {validity}. Anyone who has it before them gets the key: send it over a channel you trust, or show the QR code in person.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share code</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SharesModel</name>
    <message>
        <source>nobody (revoked before anyone took it)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>share code, not redeemed yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>you, on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sign messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>sign raw hashes (as powerful as unrestricted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{amount} per transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{amount} per {period}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} signatures per {period}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 recipient only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} recipients only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no recipient</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no amount limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{uses} of {cap}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>waiting for the code</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SharesTab</name>
    <message>
        <source>Keys of this wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Make a limited key of this wallet for someone else</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take the selected key back, at once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a wallet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This wallet was shared with you: only its owner sees and manages its keys.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everyone who can sign with this wallet, and what they may do. Revoking a key takes effect at once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading the keys of this wallet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message>
        <source>Enrollment code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>XXXXX-XXXXX-XXXXX-XXXXX</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Organisation token (JWT)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Organisation token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A code works once. Splitkey keeps no password: later it signs you in with the key it keeps in this computer&apos;s keyring.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignTab</name>
    <message>
        <source>Recipient (client id)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens moved (ZCN)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input (JSON)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send ZCN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Smart-contract call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nonce</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The transaction&apos;s number for this wallet; Splitkey counts it up.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Advanced: transaction number and chain</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show advanced fields</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign only…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Review, then sign without sending (to send it elsewhere)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compose</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed transaction JSON</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy JSON</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>64 hex digits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>optional, stored with the transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Up to 10 decimals.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{&quot;allocation&quot;: &quot;…&quot;}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A JSON object; checked as you type.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the call takes from the wallet (often 0).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You picked another wallet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This key may not make smart-contract calls.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only an unrestricted key signs data.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick a wallet first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer holds no key for this wallet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This wallet&apos;s key is {status}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The transaction was changed after you reviewed it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking the network for the wallet&apos;s nonce and the fee</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the signed hash is not the reviewed one</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✓ Signed. The combined signature was checked against the wallet&apos;s public key for hash {hash}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You cancelled the signing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the signed transaction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{why} Nothing is shown as signed; review the transaction again to sign it. If the co-signer already signed, the signature is in the wallet&apos;s activity but was not used.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SplitsModel</name>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Holder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Label</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Permissions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Uses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expiry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{text}
Key {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{text} (key {status})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WalletList</name>
    <message>
        <source>Wallets</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WalletListModel</name>
    <message>
        <source>My wallets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shared with me</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wallet {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{client_id}
Status: {status}
Custody: {custody}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>None yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing shared with you</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WalletPage</name>
    <message>
        <source>Create a new wallet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splitkey makes a new 0Chain wallet and shows you its 24 recovery words once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import a wallet I already have</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From its 24 words, or from a wallet file as zwallet writes it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a share someone gave me</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the one-time share code the wallet&apos;s owner sent you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to the main window; you can add a wallet later.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WordsPage</name>
    <message>
        <source>On paper, in this order, kept somewhere safe and offline. Anyone who reads them can take the wallet&apos;s tokens, without the co-signer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Print a recovery sheet…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The words, the address, and what to do without the co-signer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I have written down all 24 words, in order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your new wallet {wallet}. Its recovery words:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
