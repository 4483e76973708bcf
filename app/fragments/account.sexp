;; Fragments the account service renders.

;; Who is signed in, with sign out; or a sign-in link.
(defcomp ~auth-menu (&key name)
  (div :id "auth-menu" :class "auth-menu"
    (if name
      (<>
        (a :class "user" :href "/account/" name)
        (form :method "post" :action "/account/sign-out/"
          (button :type "submit" :class "link" "Sign out")))
      (a :href "/account/sign-in/" "Sign in"))))
